import { registerDecorator, ValidationOptions } from 'class-validator';

/** The account password rules (length and character classes), plus bcrypt's 72-byte limit. */
export const PASSWORD_RULES = [
  { rule: 'minLength', message: 'password must be at least 8 characters long', test: (value: string) => value.length >= 8 },
  { rule: 'lowercase', message: 'password must contain a lowercase letter', test: (value: string) => /\p{Ll}/u.test(value) },
  { rule: 'uppercase', message: 'password must contain an uppercase letter', test: (value: string) => /\p{Lu}/u.test(value) },
  { rule: 'digit', message: 'password must contain a digit', test: (value: string) => /\p{Nd}/u.test(value) },
  { rule: 'special', message: 'password must contain a special character', test: (value: string) => /[^\p{L}\p{Nd}\s]/u.test(value) },
  { rule: 'maxBytes', message: 'password must be at most 72 bytes', test: (value: string) => Buffer.byteLength(value, 'utf8') <= 72 },
] as const;

/**
 * Registers one validator per rule, so a 400 names every rule that failed
 * (each becomes its own entry in `details`).
 */
export function IsPasswordPolicy(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    for (const { rule, message, test } of PASSWORD_RULES) {
      registerDecorator({
        name: `password.${rule}`,
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message, ...options },
        validator: { validate: (value: unknown) => typeof value === 'string' && test(value) },
      });
    }
  };
}
