/**
 * The page's only script (bundled by esbuild when the server starts, served from /assets/page.js).
 * The page works without it; it adds a tooltip on hover and keyboard focus, highlights the region's
 * row and series, and steps hours (buttons, the picker, ← and →) without reloading the page: it
 * fetches the server-rendered page for the new hour and swaps the picker and the content.
 */

const tooltip = (): HTMLElement | null => document.getElementById('tooltip');

function regionOf(target: EventTarget | null): SVGAElement | null {
  return target instanceof Element ? (target.closest('a.region') as SVGAElement | null) : null;
}

function highlight(name: string | null): void {
  for (const element of document.querySelectorAll('[data-region].active')) element.classList.remove('active');
  if (name === null) return;
  for (const element of document.querySelectorAll(`tr[data-region], .series-card[data-region]`)) {
    if ((element as HTMLElement).dataset.region === name) element.classList.add('active');
  }
}

function showTooltip(region: SVGAElement, at?: { x: number; y: number }): void {
  const box = tooltip();
  const panel = box?.parentElement;
  if (!box || !panel) return;
  const data = region.dataset;
  const rows =
    data.temperature === ''
      ? ['No data for this hour']
      : [
          `Temperature: ${data.temperatureText ?? ''}`,
          `Points: ${data.points ?? ''}`,
          `3 hours before: ${data.beforeText ?? ''}`,
        ];
  box.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = data.region ?? '';
  box.append(title);
  for (const text of rows) {
    const line = document.createElement('div');
    line.textContent = text;
    box.append(line);
  }
  box.hidden = false;
  const frame = panel.getBoundingClientRect();
  const shape = region.getBoundingClientRect();
  const x = at ? at.x : shape.left + shape.width / 2;
  const y = at ? at.y : shape.top + shape.height / 2;
  const left = Math.min(Math.max(x - frame.left + 14, 0), frame.width - box.offsetWidth);
  box.style.left = `${left}px`;
  box.style.top = `${y - frame.top + 14}px`;
  highlight(data.region ?? null);
}

function hideTooltip(): void {
  const box = tooltip();
  if (box) box.hidden = true;
  highlight(null);
}

document.addEventListener('pointermove', (event) => {
  const region = regionOf(event.target);
  if (region) showTooltip(region, { x: event.clientX, y: event.clientY });
  else if (document.activeElement === null || !regionOf(document.activeElement)) hideTooltip();
});
document.addEventListener('focusin', (event) => {
  const region = regionOf(event.target);
  if (region) showTooltip(region);
  else hideTooltip();
});

/** Loads the page for `hour` and swaps in its picker and content; `push` records it in the history. */
async function goTo(hour: string, push: boolean): Promise<void> {
  const url = `/?hour=${encodeURIComponent(hour)}`;
  const focused = document.activeElement?.id ?? null;
  const answer = await fetch(url, { headers: { accept: 'text/html' } });
  if (!answer.ok) {
    window.location.href = url;
    return;
  }
  const next = new DOMParser().parseFromString(await answer.text(), 'text/html');
  for (const id of ['picker', 'content']) {
    const incoming = next.getElementById(id);
    const current = document.getElementById(id);
    if (incoming && current) current.replaceWith(document.importNode(incoming, true));
  }
  document.title = next.title;
  document.body.dataset.hour = next.body.dataset.hour ?? '';
  if (push) history.pushState({ hour }, '', url);
  const refocus = focused === null ? null : document.getElementById(focused);
  (refocus ?? document.getElementById('hour-select'))?.focus();
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a.step[data-hour]') : null;
  if (!(link instanceof HTMLAnchorElement) || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  void goTo(link.dataset.hour ?? '', true);
});

document.addEventListener('change', (event) => {
  if (event.target instanceof HTMLSelectElement && event.target.id === 'hour-select')
    void goTo(event.target.value, true);
});

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (event.target instanceof HTMLSelectElement || event.target instanceof HTMLInputElement) return;
  const id = event.key === 'ArrowLeft' ? 'step-prev' : event.key === 'ArrowRight' ? 'step-next' : null;
  const link = id === null ? null : document.getElementById(id);
  if (!(link instanceof HTMLAnchorElement)) return;
  event.preventDefault();
  void goTo(link.dataset.hour ?? '', true);
});

window.addEventListener('popstate', () => {
  const hour = new URLSearchParams(window.location.search).get('hour');
  if (hour !== null) void goTo(hour, false);
  else window.location.reload();
});

// With the script, the picker changes hour on selection: its Show button is only for no-script use.
document.documentElement.classList.add('scripted');
