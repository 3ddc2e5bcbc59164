import { byId } from '../dom';
import type { CallController, CallView } from '../call/call-controller';
import { meterLevel } from '../voice/level';

/** The call's state in words, answer/reject/hang-up buttons, and what is measured on the media connection. */
export function renderCall(view: CallView): void {
  const state = byId('call-state');
  state.textContent = view.text;
  state.dataset.phase = view.phase;
  byId('call-incoming').hidden = view.phase !== 'incoming';
  byId<HTMLButtonElement>('call-hangup').disabled = !(view.phase === 'calling' || view.phase === 'connecting' || view.phase === 'connected');
  byId('call-connection').textContent = view.connection ?? '–';
  byId('call-packets-in').textContent = String(view.packetsIn);
  const meter = byId<HTMLMeterElement>('call-level-in');
  meter.value = meterLevel(view.levelIn);
  meter.dataset.rms = view.levelIn.toFixed(4);
}

export function mountCallPanel(call: CallController): void {
  byId('call-answer').addEventListener('click', () => void call.answer());
  byId('call-reject').addEventListener('click', () => call.reject());
  byId('call-hangup').addEventListener('click', () => call.hangup());
}
