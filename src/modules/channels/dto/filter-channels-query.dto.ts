import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { CHANNEL_TYPES, ChannelType } from '../schemas/channel.schema';
import { MAX_CHANNEL_USERS } from './create-channel.dto';

/** Query strings carry text: only the exact words true/false are booleans. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class FilterChannelsQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiPropertyOptional({ enum: CHANNEL_TYPES })
  @IsOptional()
  @IsIn(CHANNEL_TYPES)
  channel_type?: ChannelType;

  @ApiPropertyOptional({ description: 'At least this many current members' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_CHANNEL_USERS)
  min_users?: number;

  @ApiPropertyOptional({ description: 'At most this many current members' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_CHANNEL_USERS)
  max_users?: number;

  @ApiPropertyOptional({ description: 'Every private channel (admins only; others always see their own)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_private?: boolean;
}
