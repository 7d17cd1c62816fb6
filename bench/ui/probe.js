// Injected into every page of the UI benchmark before the page's own scripts (Playwright init
// script, so the page's CSP does not apply to it). Plain browser JavaScript, no imports.
//
// - Long tasks from the start of the document (PerformanceObserver `longtask`, buffered).
// - The first appearance of a board card (`.task-card`) and of the login form (`#username`), from
//   a MutationObserver on the document: performance.now() when the node is in the DOM, and after
//   the next animation frame (a proxy for the frame that shows it).
// - tti(): first card, then the first 500 ms window without a long task (D35); null until known.
// - arm(spec): one interaction measurement. A capture listener on window takes the triggering
//   event's timeStamp (same clock as performance.now()); a MutationObserver checks spec after every
//   DOM change and records when it first holds ("dom"), then the time after the next frame
//   ("frame": requestAnimationFrame, then a message-channel task, i.e. after that frame's paint).
(() => {
  const bench = {
    longTasks: [],
    seen: {},
    result: null,
    error: null,
  };
  window.__uiBench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push([entry.startTime, entry.startTime + entry.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) {
    bench.error = `longtask observer: ${error}`;
  }

  const WATCH = { card: '.task-card', login: '#username' };
  const firstSeen = new MutationObserver(() => {
    for (const [name, selector] of Object.entries(WATCH)) {
      if (bench.seen[name] || !document.querySelector(selector)) continue;
      const at = performance.now();
      bench.seen[name] = { dom: at, frame: null };
      requestAnimationFrame(() => { bench.seen[name].frame = performance.now(); });
    }
    if (Object.keys(bench.seen).length === Object.keys(WATCH).length) firstSeen.disconnect();
  });
  firstSeen.observe(document, { childList: true, subtree: true });

  /** TTI after the first card: the end of the last long task that starts less than 500 ms after the running TTI. */
  bench.tti = () => {
    const first = bench.seen.card;
    if (!first) return null;
    let t = first.dom;
    for (const [start, end] of [...bench.longTasks].sort((a, b) => a[0] - b[0])) {
      if (end <= t) continue;
      if (start - t >= 500) break;
      t = Math.max(t, end);
    }
    return performance.now() - t >= 500 ? t : null;
  };

  const holds = (spec) => {
    switch (spec.kind) {
      case 'selector':
        return document.querySelector(spec.selector) !== null;
      case 'card-in-column':
        return document.querySelector(`[data-column-key="${spec.column}"] [data-id="${spec.id}"]`) !== null;
      case 'card-title':
        return [...document.querySelectorAll('.task-card .card-title')].some((el) => el.textContent.trim() === spec.text);
      case 'drawer-title': {
        const aside = document.querySelector('aside[aria-label="Task detail"]');
        if (!aside) return false;
        if ([...aside.querySelectorAll('textarea, input')].some((el) => el.value === spec.text)) return true;
        return aside.textContent.includes(spec.text);
      }
      default:
        throw new Error(`unknown check ${spec.kind}`);
    }
  };

  bench.arm = (spec) => {
    if (holds(spec)) return 'already';
    bench.result = null;
    let start = null;
    const onEvent = (event) => {
      if (start !== null || (spec.key && event.key !== spec.key)) return;
      start = event.timeStamp;
      window.removeEventListener(spec.event, onEvent, true);
    };
    window.addEventListener(spec.event, onEvent, true);
    const observer = new MutationObserver(() => {
      if (start === null || bench.result || !holds(spec)) return;
      const dom = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { bench.result = { dom: dom - start, frame: performance.now() - start }; };
        channel.port2.postMessage(0);
      });
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    bench.disarm = () => { observer.disconnect(); window.removeEventListener(spec.event, onEvent, true); };
    return 'armed';
  };
})();
