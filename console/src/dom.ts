/** Small DOM helpers. Text always goes in through textContent: usernames and messages are untrusted. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, testId: string): T {
  const element = root.querySelector<T>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`[data-testid=${testId}] is missing`);
  return element;
}

type Attributes = Record<string, string | number | boolean | undefined>;

/** Creates an element; boolean attributes are set when true, children are text or elements. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** Shows a message in an error region (role="alert"), or hides it with null. */
export function showError(region: HTMLElement, message: string | null): void {
  region.textContent = message ?? '';
  region.hidden = message === null;
}

export function formatPercent(rate: number | null): string {
  return rate === null ? 'no data' : `${(rate * 100).toFixed(1)} %`;
}

export function formatMs(ms: number | null): string {
  return ms === null ? 'no data' : `${ms.toFixed(1)} ms`;
}
