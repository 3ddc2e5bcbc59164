import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../../common/auth/auth.decorators';
import type { AudioConfig } from './audio-config';
import { AudioConfigService } from './audio-config.service';
import { UpdateAudioConfigDto } from './dto/update-audio-config.dto';
import { ApiBody, ApiData } from '../../common/openapi/api-responses';
import { AudioConfigDto } from './dto/audio-response.dto';

@ApiTags('audio')
@Controller()
export class AudioConfigController {
  constructor(private readonly config: AudioConfigService) {}

  /** Seed shape: the bare config object. */
  @Public()
  @ApiBody(AudioConfigDto)
  @Get('api/audio/config')
  get(): AudioConfig {
    return this.config.get();
  }

  @Roles('admin')
  @ApiData(AudioConfigDto)
  @Put('api/advanced/audio/config')
  async update(@Body() dto: UpdateAudioConfigDto) {
    return { success: true, data: await this.config.update(dto) };
  }

  @Roles('admin')
  @ApiData(AudioConfigDto)
  @Post('api/advanced/audio/config/reset')
  @HttpCode(200)
  async reset() {
    return { success: true, data: await this.config.reset() };
  }
}
