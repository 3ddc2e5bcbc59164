import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class SignoutDto {
  @ApiProperty({ description: 'The account password, to confirm the deletion' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}
