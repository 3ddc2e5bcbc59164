import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_SCORE } from '../schemas/user.schema';

export class ScoreIncrementDto {
  @ApiProperty({
    example: 10,
    minimum: -MAX_SCORE,
    maximum: MAX_SCORE,
    description: 'Integer added to the score (negative to subtract); a result outside ±(2^53−1) is refused',
  })
  @IsInt()
  @Min(-MAX_SCORE)
  @Max(MAX_SCORE)
  increment!: number;
}
