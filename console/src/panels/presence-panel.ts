import { byId, h } from '../dom';
import type { Presence } from '../presence';

export interface PresenceActions {
  call(userId: string): void;
  message(userId: string): void;
  canCall(): boolean;
}

/** Who is online, live, with a call and a message button per other user. */
export function mountPresencePanel(presence: Presence, self: string, actions: PresenceActions): () => void {
  const list = byId<HTMLUListElement>('presence-list');
  const render = () => {
    list.replaceChildren(
      ...presence.list().map(({ id, username }) => {
        const name = h('span', { class: 'name', title: username }, username, id === self ? ' (you)' : '');
        if (id === self) return h('li', { 'data-user-id': id }, name);
        const call = h(
          'button',
          { type: 'button', 'data-testid': `call-button-${id}`, 'aria-label': `Call ${username}`, disabled: !actions.canCall() },
          'Call',
        );
        call.addEventListener('click', () => actions.call(id));
        const message = h('button', { type: 'button', class: 'secondary', 'aria-label': `Message ${username}` }, 'Message');
        message.addEventListener('click', () => actions.message(id));
        return h('li', { 'data-user-id': id }, name, call, message);
      }),
    );
    if (list.children.length === 0) list.append(h('li', { class: 'hint' }, 'Nobody is online.'));
  };
  presence.onChange(render);
  render();
  return render;
}
