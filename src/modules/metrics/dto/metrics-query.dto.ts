import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alerts.service';
import type { HealthComponent } from '../health-score';

export class HistoryQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit = 100;

  /** Seconds back from now; capped by the retention at read time. */
  @ApiPropertyOptional({ type: 'integer', default: 3600, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365 * 86400)
  period = 3600;
}

export const ALERT_COMPONENTS: readonly HealthComponent[] = ['performance', 'memory', 'audio', 'database'];

export class AlertsQueryDto {
  /** Minimum severity. */
  @ApiPropertyOptional({ enum: ALERT_SEVERITIES })
  @IsOptional()
  @IsIn(ALERT_SEVERITIES)
  severity?: AlertSeverity;

  @ApiPropertyOptional({ enum: ALERT_COMPONENTS })
  @IsOptional()
  @IsIn(ALERT_COMPONENTS)
  component?: HealthComponent;

  /** true: only active alerts; false: only resolved ones; absent: both. */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}
