import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class ScoreIncrementDto {
  @ApiProperty({ example: 10, description: 'Integer added to the score (negative to subtract)' })
  @IsInt()
  @Min(-1_000_000_000)
  @Max(1_000_000_000)
  increment!: number;
}
