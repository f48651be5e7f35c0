// Runs as gr.HTML's js_on_load: `element` is the chat, `trigger` sends events to Python.
// Clicks are delegated, so they keep working after every re-render of the chat.
const flash = (el) => { el.classList.remove('cq-flash'); void el.offsetWidth; el.classList.add('cq-flash'); };
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('a.cq-marker, button.cq-copy, button.cq-vote, button.cq-example');
  if (!b || !element.contains(b)) return;
  if (b.matches('a.cq-marker')) {
    ev.preventDefault();
    const source = element.querySelector('#' + CSS.escape(b.dataset.target || ''));
    if (source) { source.scrollIntoView({behavior: 'smooth', block: 'center'}); flash(source); }
  } else if (b.matches('button.cq-copy')) {
    const text = b.dataset.copy || '';
    const done = () => { b.textContent = 'Copied'; setTimeout(() => { b.textContent = 'Copy'; }, 1500); };
    const fallback = () => {
      const area = document.createElement('textarea');
      area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
      document.body.appendChild(area); area.select();
      try { document.execCommand('copy'); } finally { area.remove(); }
      done();
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  } else if (b.matches('button.cq-vote')) {
    trigger('vote', {turn: Number(b.dataset.turn), vote: b.dataset.vote});
  } else if (b.matches('button.cq-example')) {
    trigger('example', {question: b.dataset.question || ''});
  }
});
// Opening a source in context scrolls its box to the source paragraph.
element.addEventListener('toggle', (ev) => {
  const box = ev.target;
  if (!box.matches || !box.matches('details.cq-context') || !box.open) return;
  const body = box.querySelector('.cq-ctx-body'), hit = box.querySelector('.cq-ctx-hit');
  if (body && hit) body.scrollTop = hit.offsetTop - body.offsetTop - 48;  // a glimpse of the paragraph before
}, true);
let seen = element.querySelectorAll('.cq-turn').length;
watch('value', () => {
  const turns = element.querySelectorAll('.cq-turn');
  if (turns.length > seen) turns[turns.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
  seen = turns.length;
});
