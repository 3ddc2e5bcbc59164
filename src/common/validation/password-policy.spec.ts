import { IsString, validateSync } from 'class-validator';
import { IsPasswordPolicy } from './password-policy';

class Subject {
  @IsString()
  @IsPasswordPolicy()
  password!: string;

  constructor(password: string) {
    this.password = password;
  }
}

const failedRules = (password: string) => validateSync(new Subject(password)).flatMap((error) => Object.keys(error.constraints ?? {}));

describe('password policy', () => {
  it('accepts a password meeting every rule, including non-ASCII letters', () => {
    expect(failedRules('Sup3r!secret')).toEqual([]);
    expect(failedRules('Ünïcödé9#')).toEqual([]);
  });

  it.each([
    ['Ab1!xyz', 'password.minLength'],
    ['ABCDEF1!', 'password.lowercase'],
    ['abcdef1!', 'password.uppercase'],
    ['Abcdefg!', 'password.digit'],
    ['Abcdefg1', 'password.special'],
    [`Ab1!${'x'.repeat(69)}`, 'password.maxBytes'],
  ])('%s fails only %s', (password, rule) => {
    expect(failedRules(password)).toEqual([rule]);
  });

  it('counts bytes, not characters, against bcrypt’s 72-byte limit', () => {
    expect(failedRules(`Ab1!${'é'.repeat(34)}`)).toEqual([]);
    expect(failedRules(`Ab1!${'é'.repeat(35)}`)).toEqual(['password.maxBytes']);
  });
});
