// Runs as the documents panel's js_on_load. Remove asks for confirmation in place (no
// browser dialog): the first click shows "Remove … and its passages?", the second sends it.
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.cq-remove, button.cq-remove-yes, button.cq-remove-no');
  if (!b || !element.contains(b)) return;
  const cell = b.closest('td');
  if (b.matches('button.cq-remove')) {
    const doc = b.dataset.doc || '';
    const ask = document.createElement('span');
    ask.className = 'cq-confirm';
    ask.append('Remove ', Object.assign(document.createElement('code'), {textContent: doc}), ' and its passages? ');
    const yes = Object.assign(document.createElement('button'), {type: 'button', className: 'cq-remove-yes', textContent: 'Yes, remove'});
    yes.dataset.doc = doc;
    const no = Object.assign(document.createElement('button'), {type: 'button', className: 'cq-remove-no', textContent: 'Cancel'});
    b.hidden = true;
    ask.append(yes, ' ', no);
    cell.append(ask);
  } else if (b.matches('button.cq-remove-no')) {
    cell.querySelector('.cq-confirm').remove();
    cell.querySelector('button.cq-remove').hidden = false;
  } else {
    b.disabled = true;
    trigger('remove', {doc: b.dataset.doc || ''});
  }
});
