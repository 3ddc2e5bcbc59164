import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { UserPrincipal } from '../../common/auth/principal';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { AudioStatisticsService } from './audio-statistics.service';
import { ApiBody, ApiData, ApiErrors } from '../../common/openapi/api-responses';
import { ChannelAudioReportDto, ChannelStatisticsDto } from './dto/audio-response.dto';

@ApiTags('audio')
@Controller()
export class AudioStatsController {
  constructor(private readonly statistics: AudioStatisticsService) {}

  @ApiData(ChannelAudioReportDto)
  @ApiErrors('CHANNEL_NOT_FOUND')
  @Get('api/channels/:id/audio/stats')
  async channelAudio(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: UserPrincipal) {
    return { success: true, data: await this.statistics.channelAudio(id, principal) };
  }

  /** Seed shape, unwrapped. */
  @ApiBody(ChannelStatisticsDto)
  @ApiErrors('CHANNEL_NOT_FOUND')
  @Get('api/advanced/channels/:id/statistics')
  channel(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: UserPrincipal) {
    return this.statistics.channel(id, principal);
  }
}
