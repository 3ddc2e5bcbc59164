import { Api, describeError } from '../api';
import { byId, byTestId, formatMs, formatPercent, h, showError } from '../dom';
import type { Presence } from '../presence';
import type { AudioConfig, Channel, ChannelAudioStats } from '../types';
import { meterLevel } from '../voice/level';
import type { VoiceSession } from '../voice/voice-session';

const LIST_REFRESH_MS = 10_000;
const STATS_REFRESH_MS = 2_000;

export interface ChannelsPanel {
  voiceListener: {
    members(members: string[]): void;
    level(userId: string, level: number, frames: number): void;
    state(text: string): void;
    left(reason: string): void;
  };
  attach(voice: VoiceSession): void;
  stop(): void;
}

/** Voice channels: list, create, join with the microphone, a level meter per speaker, the channel's measured statistics. */
export function mountChannelsPanel(api: Api, presence: Presence, self: string): ChannelsPanel {
  const list = byId<HTMLUListElement>('channel-list');
  const error = byTestId(byId('channels-title').parentElement!, 'channel-error');
  const current = byId('channel-current');
  const speakers = byId<HTMLUListElement>('speakers');
  const voiceState = byId('voice-state');
  const form = byId<HTMLFormElement>('channel-create-form');
  const nameInput = byId<HTMLInputElement>('channel-create-name');
  let voice: VoiceSession | null = null;
  let channels: Channel[] = [];
  let statsTimer: number | undefined;

  const fail = (failure: unknown) => showError(error, describeError(failure));

  const renderList = () => {
    list.replaceChildren(
      ...channels.map((channel) => {
        const joined = voice?.channelId === channel.id;
        const join = h(
          'button',
          { type: 'button', 'data-testid': `channel-join-${channel.id}`, 'aria-label': `Join ${channel.name}`, disabled: joined },
          joined ? 'Joined' : 'Join',
        );
        join.addEventListener('click', () => void joinChannel(channel));
        const occupancy = `${channel.current_users}/${channel.max_users}${channel.is_private ? ' · private' : ''}`;
        return h('li', { 'data-channel-id': channel.id }, h('span', { class: 'name' }, channel.name, ' ', h('span', { class: 'hint' }, occupancy)), join);
      }),
    );
    if (channels.length === 0) list.append(h('li', { class: 'hint' }, 'No channels yet: create one.'));
  };

  const refresh = async () => {
    try {
      channels = (await api.get<{ data: Channel[] }>('/api/channels?limit=100')).data;
      renderList();
    } catch (failure) {
      fail(failure);
    }
  };

  const refreshStats = async (channelId: string) => {
    try {
      const { data } = await api.get<{ data: ChannelAudioStats }>(`/api/channels/${encodeURIComponent(channelId)}/audio/stats`);
      byId('channel-loss').textContent = formatPercent(data.packet_loss_rate);
      byId('channel-jitter').textContent = formatMs(data.jitter_ms);
      byId('channel-quality').textContent = data.audio_quality_score === null ? 'no data' : `${Math.round(data.audio_quality_score * 100)} / 100`;
    } catch (failure) {
      fail(failure);
    }
  };

  const joinChannel = async (channel: Channel) => {
    if (!voice) return;
    showError(error, null);
    try {
      const config = await api.get<AudioConfig>('/api/audio/config');
      await voice.join(channel.id, config);
      byId('channel-current-name').textContent = channel.name;
      current.hidden = false;
      window.clearInterval(statsTimer);
      void refreshStats(channel.id);
      statsTimer = window.setInterval(() => void refreshStats(channel.id), STATS_REFRESH_MS);
      void refresh();
    } catch (failure) {
      fail(failure);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) return showError(error, 'Give the channel a name.');
    showError(error, null);
    api.post('/api/channels', { name }).then(() => {
      nameInput.value = '';
      return refresh();
    }, fail);
  });
  byId('channel-leave').addEventListener('click', () => void voice?.leave());
  byId('channel-refresh').addEventListener('click', () => void refresh());

  const listTimer = window.setInterval(() => void refresh(), LIST_REFRESH_MS);
  void refresh();

  const speakerRow = (userId: string) => {
    const name = presence.nameOf(userId);
    return h(
      'li',
      { 'data-user-id': userId },
      h('span', { class: 'name' }, name, userId === self ? ' (you, microphone)' : ''),
      h('meter', { 'data-testid': `speaker-level-${userId}`, min: 0, max: 1, value: 0, 'aria-label': `${name}'s level` }),
      h('span', { class: 'hint', 'data-testid': `speaker-frames-${userId}` }, '0'),
    );
  };

  return {
    voiceListener: {
      members: (members) => speakers.replaceChildren(...members.map(speakerRow)),
      level: (userId, level, frames) => {
        const meter = speakers.querySelector<HTMLMeterElement>(`[data-testid="speaker-level-${userId}"]`);
        if (!meter) return;
        meter.value = meterLevel(level);
        meter.dataset.rms = level.toFixed(4);
        meter.nextElementSibling!.textContent = String(frames);
      },
      state: (text) => (voiceState.textContent = text),
      left: (reason) => {
        window.clearInterval(statsTimer);
        current.hidden = true;
        voiceState.textContent = '';
        if (reason !== 'you left') showError(error, `Left the channel: ${reason}`);
        void refresh();
      },
    },
    attach: (session) => {
      voice = session;
    },
    stop: () => {
      window.clearInterval(listTimer);
      window.clearInterval(statsTimer);
    },
  };
}
