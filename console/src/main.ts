import { Api, describeError } from './api';
import { CallController } from './call/call-controller';
import { byId, showError } from './dom';
import { mountAuthPanel } from './panels/auth-panel';
import { mountCallPanel, renderCall } from './panels/call-panel';
import { mountChannelsPanel } from './panels/channels-panel';
import { mountMessagesPanel } from './panels/messages-panel';
import { mountMetricsPanel } from './panels/metrics-panel';
import { mountPresencePanel } from './panels/presence-panel';
import { Presence } from './presence';
import { Session } from './session';
import { connectNamespace } from './sockets';
import type { RootClientEvents, RootServerEvents, User, VoiceClientEvents, VoiceServerEvents } from './types';
import { VoiceSession } from './voice/voice-session';

const api = new Api();
const session = new Session(api);
const globalError = byId('global-error');
let stopApp: (() => void) | null = null;

/** Everything that exists while a user is signed in; returns how to tear it down. */
function startApp(user: User): () => void {
  byId('auth').hidden = true;
  byId('app').hidden = false;
  byId('whoami').hidden = false;
  byId('whoami-name').textContent = user.username;
  byId('whoami-role').textContent = user.role;

  const presence = new Presence();
  const connectionState = document.querySelector<HTMLElement>('[data-testid="connection-state"]')!;
  const root = connectNamespace<RootServerEvents, RootClientEvents>('/', session, (state) => (connectionState.textContent = `Realtime: ${state}`));
  root.on('users', (users) => presence.reset(users));
  root.on('userConnected', (connected) => presence.add(connected));
  root.on('userDisconnected', ({ userId }) => presence.remove(userId));

  const messages = mountMessagesPanel(api, presence, user.id);
  root.on('message', (message) => messages.received(message));

  let renderPresence = () => undefined as void;
  const call = new CallController(
    root,
    byId<HTMLAudioElement>('call-audio'),
    (id) => presence.nameOf(id),
    (view) => {
      renderCall(view);
      renderPresence();
    },
  );
  mountCallPanel(call);
  renderPresence = mountPresencePanel(presence, user.id, {
    call: (id) => void call.call(id),
    message: (id) => messages.select(id),
    canCall: () => !call.busy(),
  });

  const channels = mountChannelsPanel(api, presence, user.id);
  const voiceSocket = connectNamespace<VoiceServerEvents, VoiceClientEvents>('/voice', session, () => undefined);
  const voice = new VoiceSession(voiceSocket, user.id, channels.voiceListener);
  channels.attach(voice);

  const admin = byId('admin');
  admin.hidden = user.role !== 'admin';
  const stopMetrics = user.role === 'admin' ? mountMetricsPanel(api) : () => undefined;

  return () => {
    call.hangup();
    void voice.leave();
    channels.stop();
    stopMetrics();
    root.disconnect();
    voiceSocket.disconnect();
    admin.hidden = true;
    byId('app').hidden = true;
    byId('whoami').hidden = true;
    byId('auth').hidden = false;
  };
}

session.onChange((user, reason) => {
  stopApp?.();
  stopApp = null;
  // Panels are rebuilt from scratch for the next user: a reload is the simplest complete reset.
  if (!user) {
    if (reason) sessionStorage.setItem('realtime-console.notice', reason);
    window.location.reload();
    return;
  }
  stopApp = startApp(user);
  byId<HTMLButtonElement>('logout').focus();
});

byId('logout').addEventListener('click', () => void session.logout().catch((error: unknown) => showError(globalError, describeError(error))));
mountAuthPanel(session);

const notice = sessionStorage.getItem('realtime-console.notice');
if (notice) {
  sessionStorage.removeItem('realtime-console.notice');
  showError(globalError, notice);
}
session.restore().catch((error: unknown) => showError(globalError, `Could not restore the session: ${describeError(error)}`));
