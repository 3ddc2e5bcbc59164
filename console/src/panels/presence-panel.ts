import { byId, h } from '../dom';
import type { Presence } from '../presence';

export interface PresenceActions {
  call(userId: string): void;
  message(userId: string): void;
  canCall(): boolean;
}

interface Row {
  item: HTMLLIElement;
  call?: HTMLButtonElement;
}

/**
 * Who is online, live, with a call and a message button per other user.
 * Rows are kept per user across updates, so a button stays the same element while someone else connects:
 * a click aimed at it is never lost to a re-render.
 */
export function mountPresencePanel(presence: Presence, self: string, actions: PresenceActions): () => void {
  const list = byId<HTMLUListElement>('presence-list');
  const rows = new Map<string, Row>();
  const empty = h('li', { class: 'hint' }, 'Nobody is online.');

  const rowFor = (id: string, username: string): Row => {
    const name = h('span', { class: 'name', title: username }, username, id === self ? ' (you)' : '');
    if (id === self) return { item: h('li', { 'data-user-id': id }, name) };
    const call = h('button', { type: 'button', 'data-testid': `call-button-${id}`, 'aria-label': `Call ${username}` }, 'Call');
    call.addEventListener('click', () => actions.call(id));
    const message = h('button', { type: 'button', class: 'secondary', 'aria-label': `Message ${username}` }, 'Message');
    message.addEventListener('click', () => actions.message(id));
    return { item: h('li', { 'data-user-id': id }, name, call, message), call };
  };

  const render = () => {
    const online = presence.list();
    const seen = new Set<string>();
    const canCall = actions.canCall();
    let cursor: ChildNode | null = list.firstChild;
    for (const { id, username } of online) {
      seen.add(id);
      let row = rows.get(id);
      if (!row) rows.set(id, (row = rowFor(id, username)));
      if (row.call) row.call.disabled = !canCall;
      // Moves a row only when it is out of place, so unchanged rows are never taken out of the document.
      if (cursor === row.item) cursor = cursor.nextSibling;
      else list.insertBefore(row.item, cursor);
    }
    for (const [id, row] of rows) {
      if (seen.has(id)) continue;
      row.item.remove();
      rows.delete(id);
    }
    if (online.length === 0) list.append(empty);
    else empty.remove();
  };
  presence.onChange(render);
  render();
  return render;
}
