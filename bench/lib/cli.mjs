/** Command-line options shared by the bench scripts: `--name value` pairs and bare `--flag`s. */
export function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) options[name] = true;
    else options[name] = argv[++i];
  }
  return options;
}

/** `intOption(name, fallback, min, max)` reads an integer option of `args`, exiting with a message when it is out of range. */
export function integerOptions(args) {
  return (name, fallback, min, max) => {
    const value = args[name] === undefined ? fallback : Number(args[name]);
    if (!Number.isInteger(value) || value < min || value > max) {
      console.error(`--${name} must be an integer in ${min}..${max}`);
      process.exit(2);
    }
    return value;
  };
}

/** `textOption(name, fallback)` reads a string option of `args`, exiting with a message when it was given without a value. */
export function textOptions(args) {
  return (name, fallback) => {
    const value = args[name] ?? fallback;
    if (value === true) {
      console.error(`--${name} needs a value`);
      process.exit(2);
    }
    return value;
  };
}
