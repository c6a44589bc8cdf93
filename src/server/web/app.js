// vidscribe viewer: reads location.pathname and draws the library, video or search view into #view
'use strict';

const view = document.getElementById('view');
const PAGE = 50;

// Builds an element without ever parsing HTML: strings become text nodes, functions become listeners.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.replace(/^on/, ''), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  const kids = children.flat().filter((c) => c !== null && c !== undefined && c !== false);
  node.append(...kids.map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

function show(...nodes) {
  view.replaceChildren(...nodes);
}

function errorBox(message) {
  return el('p', { class: 'error' }, message);
}

function setTitle(text) {
  document.title = text ? `${text} — vidscribe` : 'vidscribe';
}

// Fetches JSON; a failed request throws with the server's error message.
async function getJSON(url) {
  const res = await fetch(url);
  let body = null;
  try {
    body = await res.json();
  } catch (err) {
    body = null;
  }
  if (!res.ok) throw new Error(body?.error?.message || `The server answered ${res.status}`);
  if (!body) throw new Error('The server sent an unreadable answer');
  return body;
}

function intId(value) {
  const id = Number(value);
  return Number.isSafeInteger(id) && id >= 0 ? id : null;
}

function baseName(path) {
  const text = String(path ?? '');
  return text.slice(text.lastIndexOf('/') + 1) || text;
}

// Seconds as m:ss (h:mm:ss over an hour), with `digits` decimals on the seconds.
function clock(seconds, digits) {
  const sec = Number(seconds);
  if (!Number.isFinite(sec)) return '?';
  const unit = 10 ** digits;
  const n = Math.round(Math.max(0, sec) * unit);
  const h = Math.floor(n / (3600 * unit));
  const m = Math.floor(n / (60 * unit)) % 60;
  const s = ((n % (60 * unit)) / unit).toFixed(digits).padStart(digits ? digits + 3 : 2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function span(start, end) {
  return `${clock(start, 1)}–${clock(end, 1)}`;
}

function score(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(3) : '–';
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function megabytes(bytes) {
  const n = Number(bytes);
  return Number.isFinite(n) ? `${(n / 1e6).toFixed(1)} MB` : '? MB';
}

function startOf(ev) {
  return Number(ev.start) || 0;
}

// A thumbnail in a grey 16:9 box; when the image fails it is hidden and the box remains.
function thumb(id, t, lazy) {
  const sec = Math.max(0, Number(t) || 0);
  // loading is set before src, so lazy images are not fetched at once
  const img = el('img', { class: 'thumb', alt: '', loading: lazy ? 'lazy' : null, src: `/thumbs/${id}/${sec.toFixed(1)}.jpg` });
  img.addEventListener('error', () => img.classList.add('broken'));
  return el('div', { class: 'thumb-box' }, img);
}

/* ---------- library view ---------- */

function videoCard(v) {
  const id = intId(v.id);
  if (id === null) return null;
  const missing = v.missing === true;
  const meta = `${clock(v.duration, 0)} · ${plural(Number(v.events) || 0, 'event')}`;
  return el('a', { class: missing ? 'video-card missing' : 'video-card', href: `/video/${id}` },
    thumb(id, (Number(v.duration) || 0) * 0.25, true),
    el('div', { class: 'name', title: v.path }, baseName(v.path)),
    el('div', { class: 'meta' }, meta, missing ? el('span', { class: 'missing-note' }, ' · file missing') : null));
}

function countText(shown, total) {
  if (!total) return '';
  return shown >= total ? plural(total, 'video') : `Showing ${shown} of ${total} videos`;
}

function libraryView(initialQuery) {
  setTitle('');
  const filter = el('input', { id: 'filter', type: 'search', placeholder: 'Filter videos', 'aria-label': 'Filter videos', value: initialQuery });
  const count = el('p', { id: 'count', class: 'count' });
  const notice = el('div');
  const grid = el('div', { id: 'videos' });
  const more = el('button', { id: 'more', type: 'button', hidden: true }, 'More');
  const state = { q: initialQuery, shown: 0, request: 0 };

  async function load(reset) {
    // each request gets a ticket; answers to older tickets are dropped
    const ticket = ++state.request;
    const offset = reset ? 0 : state.shown;
    more.disabled = true;
    try {
      const data = await getJSON(`/api/videos?offset=${offset}&limit=${PAGE}&q=${encodeURIComponent(state.q)}`);
      if (ticket !== state.request) return;
      const cards = (Array.isArray(data.videos) ? data.videos : []).map(videoCard).filter(Boolean);
      const total = Number(data.total) || 0;
      if (reset) grid.replaceChildren();
      grid.append(...cards);
      state.shown = offset + cards.length;
      notice.replaceChildren();
      if (!state.shown) grid.replaceChildren(el('p', { class: 'empty' }, state.q ? `No videos match “${state.q}”` : 'No videos'));
      count.textContent = countText(state.shown, total);
      more.hidden = !(state.shown < total && cards.length > 0);
    } catch (err) {
      if (ticket !== state.request) return;
      if (reset) grid.replaceChildren();
      notice.replaceChildren(errorBox(err.message));
    }
    more.disabled = false;
  }

  let timer = 0;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = filter.value.trim();
      history.replaceState(null, '', state.q ? `/?q=${encodeURIComponent(state.q)}` : '/');
      load(true);
    }, 200);
  });
  more.addEventListener('click', () => load(false));
  show(el('div', { class: 'toolbar' }, filter, count), notice, grid, more);
  load(true);
}

/* ---------- video view ---------- */

function play(player) {
  const promise = player.play();
  if (promise) promise.catch(() => {});
}

function seekAndPlay(player, t) {
  if (!player) return;
  player.currentTime = t;
  play(player);
}

function makePlayer(id, startAt) {
  const player = el('video', { id: 'player', controls: true, preload: 'metadata', src: `/media/${id}` },
    el('track', { kind: 'captions', label: 'Captions', srclang: 'en', src: `/api/videos/${id}/captions.vtt`, default: true }),
    el('track', { kind: 'chapters', label: 'Chapters', srclang: 'en', src: `/api/videos/${id}/chapters.vtt` }));
  player.addEventListener('error', () => {
    if (document.getElementById('play-error')) return;
    player.after(el('p', { class: 'error', id: 'play-error' },
      'This browser cannot play this file (its format is not supported, or it could not be loaded).'));
  });
  if (Number.isFinite(startAt) && startAt >= 0) {
    player.addEventListener('loadedmetadata', () => {
      player.currentTime = startAt;
      play(player);
    }, { once: true });
  }
  return player;
}

function percent(x, total) {
  return Math.min(100, Math.max(0, (x / total) * 100));
}

function drawTimeline(timeline, events, duration, pick) {
  if (!(duration > 0 && Number.isFinite(duration))) return;
  timeline.replaceChildren(...events.map((ev, i) => {
    const start = startOf(ev);
    const left = percent(start, duration);
    const width = Math.min(percent((Number(ev.end) || start) - start, duration), 100 - left);
    const block = el('div', { class: 'event-block', 'data-index': i, title: ev.caption ?? '', onclick: () => pick(start) });
    block.style.left = `${left}%`;
    block.style.width = `${width}%`;
    return block;
  }));
}

function eventsTable(events, pick) {
  const rows = events.map((ev, i) => el('tr', { class: 'event', 'data-index': i, 'data-start': startOf(ev), onclick: () => pick(startOf(ev)) },
    el('td', { class: 'when' }, span(ev.start, ev.end)),
    el('td', { class: 'text' }, ev.caption ?? ''),
    el('td', { class: 'num' }, score(ev.score))));
  const body = rows.length ? rows : el('tr', { class: 'empty' }, el('td', { colspan: 3 }, 'No events yet'));
  const head = el('tr', {}, el('th', {}, 'Time'), el('th', {}, 'Caption'), el('th', { class: 'num' }, 'Score'));
  return el('table', { id: 'events' }, el('thead', {}, head), el('tbody', {}, body));
}

// The event containing t; when several overlap, the one that starts latest.
function currentIndex(events, t) {
  let best = -1;
  events.forEach((ev, i) => {
    const start = startOf(ev);
    if (start <= t && t < Number(ev.end) && (best < 0 || start >= startOf(events[best]))) best = i;
  });
  return best;
}

function markCurrent(index) {
  for (const node of view.querySelectorAll('.event-block, tr.event')) {
    node.classList.toggle('current', Number(node.dataset.index) === index);
  }
}

// Start of the last event before t (with half a second of slack), or 0.
function prevStart(events, t) {
  return events.map(startOf).filter((s) => s < t - 0.5).reduce((a, b) => Math.max(a, b), 0);
}

function nextStart(events, t) {
  const later = events.map(startOf).filter((s) => s > t + 0.01);
  return later.length ? Math.min(...later) : null;
}

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

// The keys act on the video shown last (the page is redrawn after a captioning job): one listener for all.
let keyTarget = null;
function bindKeys(player, events) {
  if (keyTarget === null) document.addEventListener('keydown', onKey);
  keyTarget = { player, events };
}

function onKey(e) {
  const { player, events } = keyTarget;
  if (!player.isConnected || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey || isTyping(e.target)) return;
  const key = e.key.toLowerCase();
  if (key === ' ') {
    // preventDefault also stops the page scrolling and the native controls toggling a second time
    e.preventDefault();
    if (!e.repeat) player.paused ? play(player) : player.pause();
  } else if (key === 'j') {
    player.currentTime = prevStart(events, player.currentTime);
  } else if (key === 'k') {
    const next = nextStart(events, player.currentTime);
    if (next !== null) player.currentTime = next;
  }
}

function missingNote(path) {
  return el('p', { class: 'error', id: 'missing' },
    `The file of this video is gone: ${path} (moved or deleted since it was added; vidscribe library check finds it)`);
}

// With --allow-captioning: a button that queues a captioning job and follows its progress, then redraws.
async function captionControl(id, missing) {
  let health;
  try {
    health = await getJSON('/api/health');
  } catch (err) {
    return null;
  }
  if (health.captioning !== true || missing) return null;
  const status = el('span', { id: 'job-status', class: 'status' });
  const button = el('button', { id: 'caption-btn', type: 'button' }, 'Caption this video');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch(`/api/videos/${id}/caption`, { method: 'POST' });
      let job = await res.json();
      if (!res.ok) throw new Error(job?.error?.message || `The server answered ${res.status}`);
      while (job.state === 'queued' || job.state === 'running') {
        const progress = job.total > 0 ? ` ${job.done}/${job.total}` : '';
        status.textContent = job.state === 'queued' ? 'Queued…' : `${job.stage || 'Starting'}${progress}`;
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await getJSON(`/api/jobs/${intId(job.id)}`);
      }
      if (job.state !== 'done') throw new Error(job.message || `The job ${job.state}`);
      status.textContent = job.message || 'Done';
      videoView(id, NaN);
    } catch (err) {
      status.replaceChildren(errorBox(err.message));
      button.disabled = false;
    }
  });
  return el('div', { class: 'toolbar' }, button, status);
}

async function videoView(id, startAt) {
  show(el('p', { class: 'status' }, 'Loading…'));
  let data;
  try {
    data = await getJSON(`/api/videos/${id}`);
  } catch (err) {
    setTitle('Error');
    return show(errorBox(err.message));
  }
  const events = Array.isArray(data.latest_events) ? data.latest_events : [];
  const name = baseName(data.path);
  setTitle(name);
  const player = data.missing === true ? null : makePlayer(id, startAt);
  const pick = (t) => seekAndPlay(player, t);
  const timeline = el('div', { id: 'timeline' });
  const facts = [clock(data.duration, 0), megabytes(data.size), plural(events.length, 'event')].join(' · ');
  const controls = el('div', { id: 'controls' });
  show(el('h1', { id: 'title', title: data.path }, name), el('p', { class: 'facts' }, facts),
    player || missingNote(data.path), timeline, eventsTable(events, pick), controls);
  captionControl(id, data.missing === true).then((c) => c && controls.replaceChildren(c));
  const duration = Number(data.duration);
  if (duration > 0) drawTimeline(timeline, events, duration, pick);
  if (!player) return;
  // without a duration in the library, the player's own one sets the scale
  if (!(duration > 0)) player.addEventListener('loadedmetadata', () => drawTimeline(timeline, events, player.duration, pick), { once: true });
  let shown = -1;
  const follow = () => {
    const index = currentIndex(events, player.currentTime);
    if (index !== shown) markCurrent((shown = index));
  };
  player.addEventListener('timeupdate', follow);
  player.addEventListener('seeked', follow);
  bindKeys(player, events);
}

/* ---------- search view ---------- */

function momentCard(r) {
  const id = intId(r.video_id);
  if (id === null) return null;
  const start = Math.max(0, Number(r.start) || 0);
  const first = Array.isArray(r.events) && r.events.length ? r.events[0] : null;
  return el('a', { class: r.missing === true ? 'moment-card missing' : 'moment-card', href: `/video/${id}?t=${start}` },
    thumb(id, r.best_frame ?? start, false),
    el('div', { class: 'name', title: r.path }, baseName(r.path)),
    el('div', { class: 'span' }, span(r.start, r.end)),
    first ? el('div', { class: 'caption' }, first.caption ?? '') : null,
    el('div', { class: 'score' }, score(r.score)));
}

async function searchView(q) {
  const box = document.getElementById('q');
  if (box) box.value = q;
  if (!q) {
    setTitle('Search');
    if (box) box.focus();
    return show(el('p', { class: 'hint' }, 'Type what you are looking for into the search box above, e.g. “someone pours coffee”.'));
  }
  setTitle(q);
  const heading = el('h1', {}, `Moments for “${q}”`);
  show(heading, el('p', { class: 'status' }, 'Searching…'));
  try {
    const data = await getJSON(`/api/search?q=${encodeURIComponent(q)}&top=20`);
    const cards = (Array.isArray(data.results) ? data.results : []).map(momentCard).filter(Boolean);
    const empty = el('p', { class: 'empty' }, 'No moments found');
    show(heading, el('div', { id: 'search-results' }, cards.length ? cards : empty));
  } catch (err) {
    show(heading, errorBox(err.message));
  }
}

/* ---------- routing ---------- */

function route() {
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  const video = path.match(/^\/video\/(\d+)\/?$/);
  if (path === '/' || path === '/index.html') return libraryView((params.get('q') || '').trim());
  if (video && intId(video[1]) !== null) return videoView(intId(video[1]), Number.parseFloat(params.get('t')));
  if (path === '/search' || path === '/search/') return searchView((params.get('q') || '').trim());
  setTitle('No such page');
  show(errorBox('No such page'));
}

route();
