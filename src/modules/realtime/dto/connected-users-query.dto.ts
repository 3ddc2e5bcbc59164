import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ConnectedUsersQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'List `{id, username, connections, connected_since}` instead of ids' })
  @IsOptional()
  @IsIn(['true', 'false'])
  details: 'true' | 'false' = 'false';
}
