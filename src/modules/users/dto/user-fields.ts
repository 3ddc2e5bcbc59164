import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsPasswordPolicy } from '../../../common/validation/password-policy';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;

/** Field rules shared by every DTO that carries them, so all routes agree. */
export const UsernameField = () =>
  applyDecorators(
    ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source }),
    IsString(),
    Matches(USERNAME_PATTERN, { message: 'username must be 3-32 characters of A-Z a-z 0-9 _ . -' }),
  );

export const PasswordField = () =>
  applyDecorators(
    ApiProperty({ example: 'S3cure!pass', description: '8+ chars, lower, upper, digit, special; at most 72 bytes' }),
    IsString(),
    IsPasswordPolicy(),
  );

export const OptionalEmailField = () =>
  applyDecorators(ApiPropertyOptional({ example: 'alice@example.com' }), IsOptional(), IsString(), MaxLength(254), IsEmail());

export const OptionalDisplayNameField = () =>
  applyDecorators(ApiPropertyOptional({ example: 'Alice' }), IsOptional(), IsString(), Length(1, 64));
