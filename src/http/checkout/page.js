/* paddock's test-mode checkout page: NOT Paddle's code. It talks to paddock's
 * checkout routes on its own origin and relays Paddle.js events to the page
 * that framed it, as Paddle's checkout frame does. Everything it shows from
 * the server is set with textContent, never as HTML. */
(function () {
  'use strict';

  const POLL_MS = 250;
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  // Relative to /checkout/{id}, so that paddock may sit behind a path prefix.
  const api = '../transaction-checkout/' + encodeURIComponent(id);
  const parentOrigin = new URLSearchParams(location.search).get('parent_origin');
  const framed = window.parent !== window;

  const $ = (testid) => document.querySelector('[data-testid="' + testid + '"]');
  const FIELD_ERRORS = ['email', 'country', 'postcode', 'customer', 'card-number', 'card-expiry', 'card-cvv', 'card-name', 'card'];

  let view = null;
  let relayed = 0; // the highest event sequence relayed to the parent
  let busy = false;
  let writes = 0; // a poll answered across a write is stale: dropped
  let prefilled = false;

  function show(testid, visible) {
    const element = $(testid);
    if (element) element.hidden = !visible;
  }

  function setText(testid, text) {
    const element = $(testid);
    element.textContent = text;
    element.hidden = text === '';
  }

  /** Sends `{event_name, callback_data}` to the framing page, as Paddle's frame does. */
  function relay(events) {
    for (const event of events || []) {
      if (event.sequence <= relayed) continue;
      relayed = event.sequence;
      if (framed && parentOrigin) {
        window.parent.postMessage({ event_name: event.name, callback_data: event.data }, parentOrigin);
      }
    }
  }

  function askParent(message) {
    if (framed && parentOrigin) window.parent.postMessage(message, parentOrigin);
  }

  async function call(method, path, data) {
    const options = { method, headers: {}, credentials: 'omit' };
    if (data !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify({ data });
    }
    const response = await fetch(api + path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // Not JSON: reported below as a generic failure.
    }
    return { ok: response.ok, status: response.status, body };
  }

  function clearErrors() {
    for (const field of FIELD_ERRORS) setText(field + '-error', '');
  }

  /** Paddle's `invalid_field` errors, each shown next to its field. */
  function showErrors(body, fallback) {
    const error = body && body.error;
    if (!error) {
      setText(fallback, 'Something went wrong. Please try again.');
      return;
    }
    const items = Array.isArray(error.errors) && error.errors.length > 0 ? error.errors : null;
    if (!items) {
      setText(fallback, String(error.detail || error.code || 'Something went wrong.'));
      return;
    }
    for (const item of items) {
      const testid = fieldTestId(String(item.field || ''), fallback);
      const element = $(testid + '-error');
      const previous = element.textContent;
      setText(testid + '-error', previous ? previous + ' ' + item.message : String(item.message));
    }
  }

  /** `address.postal_code` -> `postcode`, `card_number` -> `card-number`. */
  function fieldTestId(field, fallback) {
    const last = field.split(/[.[\]]/).filter(Boolean).pop() || '';
    const known = {
      email: 'email', country_code: 'country', postal_code: 'postcode', customer: 'customer',
      card_number: 'card-number', expiry_month: 'card-expiry', expiry_year: 'card-expiry',
      cvv: 'card-cvv', cardholder_name: 'card-name',
    };
    return known[last] || fallback;
  }

  function render(next) {
    view = next;
    relay(view.events);
    show('loading', false);
    document.body.classList.toggle('dark', view.settings && view.settings.theme === 'dark');
    show('close', view.settings && view.settings.display_mode === 'overlay' && framed);
    renderSummary(view.display);
    const customer = (view.checkout && view.checkout.customer) || {};
    const address = customer.address || {};
    if (!prefilled) {
      prefilled = true;
      if (customer.email) $('email').value = customer.email;
      if (address.country_code) $('country').value = address.country_code;
      if (address.postal_code) $('postcode').value = address.postal_code;
    }
    updatePostcode();
    const open = view.state === 'open';
    const payment = (view.payment && view.payment.status) || 'none';
    const paid = payment === 'captured' || view.state === 'completed';
    show('success', paid);
    show('closed', view.state === 'closed' && !paid);
    show('customer-step', open && payment !== 'action_required');
    show('payment-step', open && Boolean(customer.email) && payment !== 'action_required');
    show('three-ds', open && payment === 'action_required');
    if (payment === 'failed' && open) {
      const refused = view.payment.error_code === 'authentication_failed';
      setText('payment-error', refused
        ? 'The 3-D Secure authentication failed: try again, or use another card.'
        : 'Your card issuer bank has declined this payment.');
    } else {
      setText('payment-error', '');
    }
  }

  function renderSummary(display) {
    if (!display) return;
    show('summary', true);
    const list = $('line-items');
    list.replaceChildren();
    for (const line of display.lines || []) {
      const item = document.createElement('li');
      item.setAttribute('data-testid', 'line-item');
      item.dataset.priceId = line.price_id;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = line.product_name + (line.price_name ? ' — ' + line.price_name : '');
      const quantity = document.createElement('span');
      quantity.className = 'quantity';
      quantity.textContent = '× ' + line.quantity;
      const total = document.createElement('span');
      total.className = 'amount';
      total.textContent = line.formatted_total;
      item.append(name, quantity, total);
      list.append(item);
    }
    const totals = display.formatted_totals || {};
    $('subtotal').textContent = totals.subtotal || '';
    $('tax').textContent = totals.tax || '';
    $('total').textContent = totals.total || '';
  }

  function updatePostcode() {
    const asked = (view && view.display && view.display.postcode_required_for) || [];
    show('postcode-field', asked.includes($('country').value));
  }

  /** Runs one write: buttons disabled meanwhile, its answer rendered or its errors shown. */
  async function write(method, path, data, fallback) {
    if (busy) return;
    busy = true;
    writes += 1;
    for (const button of document.querySelectorAll('button')) button.disabled = true;
    clearErrors();
    try {
      const answer = await call(method, path, data);
      if (answer.ok && answer.body && answer.body.data) {
        render(answer.body.data);
      } else {
        showErrors(answer.body, fallback);
      }
    } catch (_) {
      setText(fallback, 'paddock did not answer. Is it still running?');
    } finally {
      busy = false;
      for (const button of document.querySelectorAll('button')) button.disabled = false;
    }
  }

  function submitCustomer(event) {
    event.preventDefault();
    const country = $('country').value;
    const postcode = $('postcode').value.trim();
    const address = { country_code: country };
    if (!$('postcode-field').hidden && postcode !== '') address.postal_code = postcode;
    write('POST', '/customer', { email: $('email').value.trim(), address }, 'customer-error');
  }

  /** `MM/YY` or `MM/YYYY` -> numbers; anything else is sent as typed, for the API to judge. */
  function expiry(text) {
    const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
    if (!match) return null;
    const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
    return { month: Number(match[1]), year };
  }

  function submitPayment(event) {
    event.preventDefault();
    const date = expiry($('card-expiry').value);
    if (!date) {
      clearErrors();
      setText('card-expiry-error', 'Enter the expiry date as MM/YY.');
      return;
    }
    write('POST', '/pay', {
      card_number: $('card-number').value,
      expiry_month: date.month,
      expiry_year: date.year,
      cvv: $('card-cvv').value.trim(),
      cardholder_name: $('card-name').value.trim(),
    }, 'card-error');
  }

  async function poll() {
    if (view && !busy) {
      const before = writes;
      try {
        const answer = await call('GET', '?after=' + relayed);
        if (answer.ok && answer.body && answer.body.data && before === writes && !busy) {
          const next = answer.body.data;
          // Only new events mean a change made elsewhere (the admin route).
          if ((next.events || []).length > 0) {
            next.events = view.events.concat(next.events);
            render(next);
          } else if (next.state !== view.state) {
            next.events = view.events;
            render(next);
          }
        }
      } catch (_) {
        // paddock restarting: try again on the next tick.
      }
    }
    // A completed or closed checkout changes no more.
    if (view && view.state === 'open') setTimeout(poll, POLL_MS);
  }

  async function start() {
    $('customer-step').addEventListener('submit', submitCustomer);
    $('payment-step').addEventListener('submit', submitPayment);
    $('country').addEventListener('change', updatePostcode);
    $('three-ds-accept').addEventListener('click', () =>
      write('POST', '/authenticate', { outcome: 'accept' }, 'payment-error'));
    $('three-ds-refuse').addEventListener('click', () =>
      write('POST', '/authenticate', { outcome: 'refuse' }, 'payment-error'));
    $('close').addEventListener('click', () => askParent({ action: 'close' }));
    try {
      const answer = await call('GET', '');
      if (!answer.ok || !answer.body || !answer.body.data) {
        show('loading', false);
        const error = answer.body && answer.body.error;
        setText('checkout-error', error ? String(error.detail) : 'This checkout could not be loaded.');
        return;
      }
      render(answer.body.data);
    } catch (_) {
      show('loading', false);
      setText('checkout-error', 'paddock did not answer. Is it still running?');
      return;
    }
    if (view.state === 'open') setTimeout(poll, POLL_MS);
  }

  start();
})();
