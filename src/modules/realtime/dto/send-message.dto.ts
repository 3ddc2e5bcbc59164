import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Longest message text: keeps a delivered `message` event well under the 64 KB socket limit. */
export const MAX_MESSAGE_LENGTH = 10_000;

export class SendMessageDto {
  @ApiProperty({ example: 'Hello, user123!', maxLength: MAX_MESSAGE_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_MESSAGE_LENGTH)
  message!: string;
}
