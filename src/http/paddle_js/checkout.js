  // ---- Paddle.Checkout: written into paddle.js's closure by paddock when it serves it. ----
  // The checkout is paddock's page in an iframe, as Paddle's is; it relays
  // Paddle.js events here by postMessage, and this file calls eventCallback.

  const CHECKOUT_ERROR_TITLE = 'Something went wrong';
  const CHECKOUT_ERROR_TEXT =
    'Please try again later. If the issue persists, you can contact our support team.';
  const OPEN_DOCS = 'https://developer.paddle.com/paddle-js/methods/paddle-checkout-open';
  const Z_TOP = '2147483647';

  // The open checkout: { id, frame, holder, data, successUrl }, or null.
  let current = null;
  let errorOverlay = null;
  // Raised by every open and close: an answer to an earlier open is dropped.
  let generation = 0;

  function paddockOrigin() {
    try {
      return new URL(paddock.url, document.baseURI).origin;
    } catch (_) {
      return null;
    }
  }

  /** Initialize's checkout settings, then the call's own (the call's win). */
  function checkoutSettings(given) {
    return Object.assign({}, state.settings || {}, (given && given.settings) || {});
  }

  function wireSettings(settings) {
    const wire = {};
    const names = { displayMode: 'display_mode', theme: 'theme', locale: 'locale', variant: 'variant', successUrl: 'success_url' };
    for (const [key, name] of Object.entries(names)) {
      if (settings[key] !== undefined && settings[key] !== null) wire[name] = settings[key];
    }
    return wire;
  }

  async function checkoutCall(method, path, data, extraHeaders) {
    const headers = Object.assign({ 'Paddock-Environment': state.environment }, extraHeaders || {});
    const options = { method, headers, credentials: 'omit' };
    if (data !== undefined) {
      headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify({ data });
    }
    const url = paddock.url + path;
    debug(method, url);
    const response = await fetch(url, options);
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // Not JSON: judged by the status alone.
    }
    return { ok: response.ok, status: response.status, body };
  }

  function emitError(type, code, detail, documentationUrl) {
    emit({ name: 'checkout.error', type, code, detail, documentation_url: documentationUrl || OPEN_DOCS });
  }

  /** Paddle's generic overlay for a checkout that could not open. */
  function showErrorOverlay(code, detail) {
    removeErrorOverlay();
    if (!document.body) return;
    const overlay = document.createElement('div');
    overlay.setAttribute('data-testid', 'paddock-checkout-error');
    overlay.setAttribute('role', 'alertdialog');
    overlay.style.cssText =
      'position:fixed;inset:0;z-index:' + Z_TOP + ';display:flex;align-items:center;justify-content:center;' +
      'background:rgba(0,0,0,.5);font:15px/1.45 system-ui,sans-serif';
    const box = document.createElement('div');
    box.style.cssText = 'background:#fff;color:#1d1d1f;max-width:420px;padding:24px;border-radius:8px;text-align:center';
    const title = document.createElement('h2');
    title.textContent = CHECKOUT_ERROR_TITLE;
    title.style.cssText = 'margin:0 0 8px;font-size:18px';
    const text = document.createElement('p');
    text.textContent = CHECKOUT_ERROR_TEXT;
    const why = document.createElement('p');
    why.setAttribute('data-testid', 'paddock-checkout-error-detail');
    why.style.cssText = 'color:#6b6b73;font-size:12px';
    why.textContent = 'Test mode — paddock: ' + code + (detail ? ': ' + detail : '');
    const close = document.createElement('button');
    close.type = 'button';
    close.setAttribute('data-testid', 'paddock-checkout-error-close');
    close.textContent = 'Close';
    close.addEventListener('click', removeErrorOverlay);
    box.append(title, text, why, close);
    overlay.append(box);
    document.body.append(overlay);
    errorOverlay = overlay;
  }

  function removeErrorOverlay() {
    if (errorOverlay) errorOverlay.remove();
    errorOverlay = null;
  }

  function refuse(code, detail) {
    notice('error', 'Paddle.Checkout.open: ' + code + ': ' + detail);
    showErrorOverlay(code, detail);
    emitError('front-end_error', code, detail);
  }

  async function openCheckout(options) {
    const given = options || {};
    // One checkout at a time, as Paddle.js: a second open closes the first.
    if (current) closeCheckout();
    removeErrorOverlay();
    const mine = ++generation;
    const settings = checkoutSettings(given);
    const inline = settings.displayMode === 'inline';
    let target = null;
    if (inline) {
      const name = settings.frameTarget;
      target = typeof name === 'string' && name !== '' ? document.getElementsByClassName(name)[0] : undefined;
      if (!target) {
        refuse('frame_target_not_found', 'settings.frameTarget must name the class of an element on the page for an inline checkout.');
        return;
      }
    }
    const request = {
      items: given.items,
      transaction_id: given.transactionId,
      customer: given.customer,
      custom_data: given.customData,
      discount_id: given.discountId,
    };
    const data = toSnake(request);
    data.settings = wireSettings(settings);
    const headers = state.token ? { 'Paddle-Clienttoken': state.token } : {};
    showSpinner();
    let answer;
    try {
      answer = await checkoutCall('POST', '/transaction-checkout', data, headers);
    } catch (_) {
      hideSpinner();
      if (mine !== generation) return;
      const detail = 'paddock did not answer at ' + paddock.url + ' (is it running, and does it allow this origin?)';
      notice('error', detail);
      showErrorOverlay('network_error', detail);
      emitError('api_error', 'network_error', detail);
      return;
    }
    hideSpinner();
    if (mine !== generation) {
      // Closed, or opened again, while paddock answered: this one never shows.
      if (answer.ok && answer.body && answer.body.data) sendClose(answer.body.data.id);
      return;
    }
    if (!answer.ok || !answer.body || !answer.body.data) {
      const error = (answer.body && answer.body.error) || {};
      const code = error.code || 'http_' + answer.status;
      notice('error', 'Paddle.Checkout.open: paddock answered ' + answer.status + ' ' + code + ': ' + (error.detail || ''));
      showErrorOverlay(code, error.detail);
      emitError('api_error', code, error.detail || '', error.documentation_url);
      return;
    }
    showFrame(answer.body.data, settings, target);
  }

  function showFrame(view, settings, target) {
    const frame = document.createElement('iframe');
    frame.name = 'paddle_frame';
    frame.setAttribute('data-testid', 'paddock-checkout-frame');
    frame.setAttribute('title', 'Checkout (test mode — paddock)');
    frame.setAttribute('allow', 'payment');
    frame.src = paddock.url + '/checkout/' + encodeURIComponent(view.id) +
      '?parent_origin=' + encodeURIComponent(window.location.origin);
    let holder = frame;
    if (target) {
      frame.style.cssText = 'width:100%;border:0;' + (typeof settings.frameStyle === 'string' ? settings.frameStyle : '');
      const height = Number(settings.frameInitialHeight);
      frame.style.height = (Number.isFinite(height) && height > 0 ? height : 450) + 'px';
      target.append(frame);
    } else {
      holder = document.createElement('div');
      holder.setAttribute('data-testid', 'paddock-checkout-overlay');
      holder.style.cssText = 'position:fixed;inset:0;z-index:' + Z_TOP + ';background:rgba(0,0,0,.5)';
      frame.style.cssText =
        'position:absolute;top:4vh;left:50%;transform:translateX(-50%);width:min(480px,100vw);' +
        'height:92vh;border:0;border-radius:8px;background:#fff';
      holder.append(frame);
      document.body.append(holder);
    }
    current = { id: view.id, frame, holder, data: view.checkout, successUrl: settings.successUrl || null, completed: false };
  }

  /** Messages from the checkout frame: Paddle.js events, or the page's close button. */
  function onMessage(message) {
    if (!current || message.origin !== paddockOrigin() || message.source !== current.frame.contentWindow) return;
    const payload = message.data;
    if (!payload || typeof payload !== 'object') return;
    if (payload.action === 'close') {
      closeCheckout();
      return;
    }
    if (typeof payload.event_name !== 'string') return;
    if (payload.callback_data) current.data = payload.callback_data;
    emit({ name: payload.event_name, data: payload.callback_data });
    if (payload.event_name === 'checkout.completed') current.completed = true;
    if (payload.event_name === 'checkout.completed' && current.successUrl) {
      const url = current.successUrl;
      // After the callback has run (emit defers it the same way).
      setTimeout(() => {
        window.location.href = url;
      }, 0);
    }
  }

  function closeCheckout() {
    generation += 1;
    removeErrorOverlay();
    if (!current) {
      debug('Paddle.Checkout.close: no checkout is open.');
      return;
    }
    const closing = current;
    current = null;
    closing.holder.remove();
    emit({ name: 'checkout.closed', data: closing.data });
    // A completed checkout is over already: closing it would change nothing.
    if (!closing.completed) sendClose(closing.id);
  }

  function sendClose(id) {
    const url = paddock.url + '/transaction-checkout/' + encodeURIComponent(id) + '/close';
    // Sent even when the page is being left.
    fetch(url, { method: 'POST', keepalive: true, credentials: 'omit' }).catch(() =>
      notice('warn', 'paddock did not answer ' + url));
  }

  async function updateOpen(method, path, data, name) {
    if (!current) {
      notice('warn', 'Paddle.Checkout.' + name + ': no checkout is open.');
      return;
    }
    const id = current.id;
    try {
      const answer = await checkoutCall(method, '/transaction-checkout/' + encodeURIComponent(id) + path, data);
      if (answer.ok && answer.body && answer.body.data) {
        if (current && current.id === id) current.data = answer.body.data.checkout;
        return;
      }
      const error = (answer.body && answer.body.error) || {};
      notice('warn', 'Paddle.Checkout.' + name + ': paddock answered ' + answer.status + ' ' + (error.code || '') + ': ' + (error.detail || ''));
      emitError('api_error', error.code || 'http_' + answer.status, error.detail || '', error.documentation_url);
    } catch (_) {
      notice('warn', 'Paddle.Checkout.' + name + ': paddock did not answer at ' + paddock.url);
    }
  }

  function updateItems(items) {
    updateOpen('PUT', '/items', { items: toSnake(items || []) }, 'updateItems');
  }

  function updateCheckout(options) {
    const given = options || {};
    const data = {};
    if (given.items !== undefined) data.items = toSnake(given.items);
    if (given.customData !== undefined) data.custom_data = given.customData;
    if (given.customer !== undefined) data.customer = toSnake(given.customer);
    updateOpen('PATCH', '', data, 'updateCheckout');
  }

  window.addEventListener('message', onMessage);

  const Checkout = {
    open: (options) => {
      openCheckout(options);
    },
    updateCheckout,
    updateItems,
    close: closeCheckout,
  };
