import { Api, describeError } from '../api';
import { byId, byTestId, h, showError } from '../dom';
import type { Presence } from '../presence';
import type { MessagePayload } from '../types';

/** Messages kept on screen; older ones scroll away. */
const MAX_SHOWN = 200;

export interface MessagesPanel {
  received(message: MessagePayload): void;
  select(userId: string): void;
}

/** Sends a direct message (POST /api/users/:id/message) and shows the ones received as `message` events. */
export function mountMessagesPanel(api: Api, presence: Presence, self: string): MessagesPanel {
  const form = byId<HTMLFormElement>('message-form');
  const to = byId<HTMLSelectElement>('message-to');
  const text = byId<HTMLTextAreaElement>('message-text');
  const log = byId<HTMLOListElement>('message-log');
  const error = byTestId(form, 'message-error');

  const append = (line: string, body: string, at: string) => {
    log.append(h('li', {}, h('span', { class: 'name' }, h('strong', {}, line), ' ', body), h('time', { datetime: at }, new Date(at).toLocaleTimeString())));
    while (log.children.length > MAX_SHOWN) log.firstElementChild!.remove();
    log.scrollTop = log.scrollHeight;
  };

  const refreshRecipients = () => {
    const selected = to.value;
    to.replaceChildren(
      ...presence
        .list()
        .filter(({ id }) => id !== self)
        .map(({ id, username }) => h('option', { value: id }, username)),
    );
    if ([...to.options].some((option) => option.value === selected)) to.value = selected;
  };
  presence.onChange(refreshRecipients);
  refreshRecipients();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const recipient = to.value;
    const message = text.value.trim();
    if (!recipient || !message) return showError(error, recipient ? 'Write a message first.' : 'Nobody to write to: no other user is online.');
    showError(error, null);
    api.post(`/api/users/${encodeURIComponent(recipient)}/message`, { message }).then(
      () => {
        append(`to ${presence.nameOf(recipient)}:`, message, new Date().toISOString());
        text.value = '';
      },
      (failure: unknown) => showError(error, describeError(failure)),
    );
  });

  return {
    received: ({ from, message, sent_at }) => append(`${from === 'service' ? 'service' : presence.nameOf(from)}:`, message, sent_at),
    select: (userId) => {
      to.value = userId;
      text.focus();
    },
  };
}
