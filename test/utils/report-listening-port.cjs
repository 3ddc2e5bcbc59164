// Preloaded (`node -r`) into a service started as a separate process with PORT=0: prints the
// port each server bound, so a test learns it without picking a "free" port first.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object') process.stderr.write(`listening-port ${address.port}\n`);
  });
  return listen.apply(this, args);
};
