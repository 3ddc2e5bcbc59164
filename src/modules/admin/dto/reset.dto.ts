import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsString } from 'class-validator';

/** The literal word, so a reset is never triggered by an empty or mistaken body. */
export class ResetDto {
  @ApiProperty({ enum: ['RESET'] })
  @IsString()
  @Equals('RESET', { message: 'confirm must be exactly "RESET"' })
  confirm!: 'RESET';
}
