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

/** Needed when REGISTRATION_MODE=invite; ignored otherwise. */
export const OptionalInvitationCodeField = () =>
  applyDecorators(
    ApiPropertyOptional({ example: 'K7QM-3WXD-9HTB-R2NF', description: 'Invitation code (required when registration is invite-only)' }),
    IsOptional(),
    IsString(),
    MaxLength(64),
  );

export const OptionalDisplayNameField = () => applyDecorators(ApiPropertyOptional({ example: 'Alice' }), IsOptional(), IsString(), Length(1, 64));
