// The sweep's layout checks (tests/browser/test_sweep.py), run in the page by Playwright.
({
  // Overflow and cut-off controls at the current viewport: the page scrolling sideways, and
  // links, buttons and fields sticking out of the viewport or hidden by an ancestor that clips
  // its overflow. Visually hidden elements (1 px, clipped on purpose, like the skip link until
  // focused) are not controls anyone can see, so they are not counted.
  layout: () => {
  const doc = document.documentElement;
  const width = window.innerWidth;
  const problems = [];
  const describe = el => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${text}"`;
  };
  if (doc.scrollWidth > width) {
    const wide = Array.from(document.body.querySelectorAll('*'))
      .filter(el => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).position !== 'fixed')
      .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > width + 1))
      .slice(0, 5).map(describe);
    problems.push(`scrolls sideways: page ${doc.scrollWidth} px wide in a ${width} px viewport (widest: ${wide.join(', ')})`);
  }
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])');
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`cut off at the side: ${describe(el)} (${Math.round(box.left)}..${Math.round(box.right)} px)`);
      continue;
    }
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (/(hidden|clip)/.test(s.overflowX + s.overflowY)) {
        const outer = up.getBoundingClientRect();
        if (outer.width <= 1 || outer.height <= 1) break;
        if (box.left < outer.left - 1 || box.right > outer.right + 1 || box.top < outer.top - 1 || box.bottom > outer.bottom + 1) {
          problems.push(`hidden by ${describe(up)}: ${describe(el)}`);
          break;
        }
      }
    }
  }
  return problems;
},

  // Text clipped: a box that hides its overflow (or cuts text off with an ellipsis) whose
  // content no longer fits, and a control whose text spills out of its own box.
  clipped: () => {
  const problems = [];
  for (const el of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.display === 'inline' || el.closest('.visually-hidden, .skip-link')) continue;
    if (!(el.innerText || '').trim()) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const hides = /(hidden|clip)/.test(s.overflowX + s.overflowY) || s.textOverflow === 'ellipsis';
    const control = el.matches('a, button, label, summary, .button, .chip');
    if ((hides || control) && (el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2)) {
      const text = el.innerText.trim().slice(0, 40);
      problems.push(`text clipped in ${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${text}" (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`);
    }
  }
  return problems;
},

  // The root font size times factor (every rem and em follows, as text-only zoom does),
  // set through the CSS object model, which the strict CSP allows.
  biggerText: (factor) => {
  const root = document.documentElement;
  root.style.removeProperty('font-size');
  const base = parseFloat(getComputedStyle(root).fontSize);
  root.style.setProperty('font-size', (base * factor) + 'px', 'important');
  return parseFloat(getComputedStyle(root).fontSize) / base;
},
})
