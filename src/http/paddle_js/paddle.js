/* paddock's test stand-in for Paddle.js v2. This is NOT Paddle's code: it is served by paddock, a local emulator of Paddle Billing, for tests only. Never load it in production. */
// It keeps the surface of Paddle.js as `@paddle/paddle-js` 1.6.5 types it, and
// sends previews and checkouts to paddock with the page's client-side token. docs/paddle-js.md
// in paddock's repository describes it, and its choices where Paddle is silent.
(function () {
  'use strict';

  // Written by paddock when it serves this file: its public URL and version.
  const SERVED_FROM = '__PADDOCK_PUBLIC_URL__';
  const PADDOCK_VERSION = '__PADDOCK_VERSION__';
  // Paddle's own script hosts: a shim loaded from one of them (a test's
  // `page.route`, or the wrapper's injected tag) can't be paddock's address.
  const PADDLE_HOSTS = ['cdn.paddle.com', 'sandbox-cdn.paddle.com'];
  const SETUP_MESSAGE =
    '[PADDLE] You must specify your Paddle Seller ID or token within the Paddle.Setup() method';
  // Keys under these are the merchant's own data, left as they are.
  const OPAQUE_KEYS = ['custom_data', 'customData'];

  const notice = (level, message, ...rest) => console[level]('[paddock] ' + message, ...rest);

  /** paddock's address: the page's override, the script's own origin, or the served URL. */
  function findPaddock() {
    const override = window.PADDOCK_URL;
    if (typeof override === 'string' && override !== '') {
      return { url: override.replace(/\/+$/, ''), from: 'window.PADDOCK_URL' };
    }
    const script = document.currentScript;
    if (script && script.src) {
      try {
        const src = new URL(script.src, document.baseURI);
        if (!PADDLE_HOSTS.includes(src.hostname) && /^https?:$/.test(src.protocol)) {
          // Behind a proxy under a prefix, the prefix is part of the address.
          const path = src.pathname.replace(/\/paddle\/v2\/paddle\.js$/, '');
          const prefix = path === src.pathname ? '' : path;
          return { url: src.origin + prefix, from: 'the script\'s address' };
        }
      } catch (_) {
        // An unparsable src: fall through to the served URL.
      }
    }
    return { url: SERVED_FROM, from: 'the URL paddock served it with' };
  }

  const paddock = findPaddock();

  // The page's state: what Initialize and Update were given.
  const state = {
    environment: 'production',
    token: null,
    seller: null,
    eventCallback: null,
    pwCustomer: null,
    debug: false,
    settings: null,
  };

  function debug(...args) {
    if (state.debug) notice('debug', ...args);
  }

  /** `priceId` -> `price_id`, at every level but inside custom data. */
  function toSnake(value) {
    return convertKeys(value, (key) => key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()));
  }

  /** `price_id` -> `priceId`, at every level but inside custom data. */
  function toCamel(value) {
    return convertKeys(value, (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()));
  }

  function convertKeys(value, rename) {
    if (Array.isArray(value)) return value.map((item) => convertKeys(item, rename));
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const [key, inner] of Object.entries(value)) {
      out[rename(key)] = OPAQUE_KEYS.includes(key) ? inner : convertKeys(inner, rename);
    }
    return out;
  }

  /**
   * POSTs a camelCase request to paddock, snake_case on the wire; resolves
   * to the camelCased answer, `{ data, meta }`, or rejects with the
   * camelCased error answer, `{ error, meta }`.
   */
  async function preview(path, request) {
    const headers = {
      'Content-Type': 'application/json',
      'Paddock-Environment': state.environment,
    };
    if (state.token) headers['Paddle-Clienttoken'] = state.token;
    const url = paddock.url + path;
    debug('POST', url);
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(toSnake(request === undefined ? {} : request)),
        credentials: 'omit',
      });
    } catch (error) {
      notice('error', 'paddock did not answer at ' + url + ' (is it running, and does it allow this origin?)');
      throw error;
    }
    let body;
    try {
      body = await response.json();
    } catch (_) {
      throw new Error('[paddock] ' + url + ' answered ' + response.status + ' without JSON');
    }
    if (!response.ok) throw toCamel(body);
    return toCamel(body);
  }

  function emit(event) {
    const callback = state.eventCallback;
    if (typeof callback !== 'function') return;
    // Paddle.js calls back from its own message handler, never inside the
    // caller's stack.
    setTimeout(() => callback(event), 0);
  }

  function initialize(options) {
    if (Paddle.Initialized) {
      // Paddle's docs say a second call errors; what pages see is that it
      // silently does nothing (paddle-js-wrapper issue #66). paddock does
      // nothing too, and says so.
      notice('warn', 'Paddle.Initialize was already called on this page; this call is ignored. Use Paddle.Update.');
      return;
    }
    const given = options || {};
    const token = typeof given.token === 'string' && given.token !== '' ? given.token : null;
    const seller = given.seller !== undefined && given.seller !== null && given.seller !== '' ? given.seller : null;
    if (token === null && seller === null) throw new Error(SETUP_MESSAGE);
    state.token = token;
    state.seller = seller;
    state.debug = given.debug === true;
    state.settings = given.checkout && given.checkout.settings ? given.checkout.settings : null;
    if (typeof given.eventCallback === 'function') state.eventCallback = given.eventCallback;
    if (given.pwCustomer !== undefined) state.pwCustomer = given.pwCustomer;
    // No network call: Paddle checks the token only when it is used.
    Paddle.Initialized = true;
    debug('initialized for ' + state.environment);
  }

  function update(options) {
    if (!Paddle.Initialized) {
      notice('warn', 'Paddle.Update before Paddle.Initialize is ignored: call Paddle.Initialize first.');
      return;
    }
    const given = options || {};
    const ignored = Object.keys(given).filter((key) => key !== 'pwCustomer' && key !== 'eventCallback');
    if (ignored.length > 0) {
      notice('warn', 'Paddle.Update takes only pwCustomer and eventCallback; ignored: ' + ignored.join(', '));
    }
    if ('pwCustomer' in given) state.pwCustomer = given.pwCustomer;
    if (typeof given.eventCallback === 'function') state.eventCallback = given.eventCallback;
  }

  function setEnvironment(environment) {
    if (Paddle.Initialized) {
      notice('warn', 'Paddle.Environment.set after Paddle.Initialize is ignored: the page stays in ' + state.environment + '.');
      return;
    }
    if (environment !== 'sandbox' && environment !== 'production') {
      notice('warn', 'Paddle.Environment.set takes "sandbox" or "production"; ' + JSON.stringify(environment) + ' means production.');
    }
    state.environment = environment === 'sandbox' ? 'sandbox' : 'production';
  }

  let spinner = null;
  function showSpinner() {
    if (spinner || !document.body) return;
    spinner = document.createElement('div');
    spinner.className = 'paddle-loader';
    spinner.setAttribute('data-paddock', 'spinner');
    spinner.setAttribute('role', 'progressbar');
    spinner.setAttribute('aria-label', 'Loading');
    spinner.style.cssText =
      'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;' +
      'background:rgba(255,255,255,.6);font:14px sans-serif';
    spinner.textContent = 'Loading… (paddock)';
    document.body.appendChild(spinner);
  }
  function hideSpinner() {
    if (spinner) spinner.remove();
    spinner = null;
  }

  // Paddle Retain isn't loaded for sandbox accounts, and paddock has no
  // Retain at all: its methods answer as Retain does when it shows nothing.
  const RETAIN_ABSENT = 'Paddle Retain is not loaded: paddock does not emulate Retain (and Paddle never loads it in sandbox).';

  /*__PADDOCK_CHECKOUT__*/

  const Paddle = {
    Checkout,
    Environment: { set: setEnvironment },
    Retain: {
      demo: () => notice('warn', RETAIN_ABSENT),
      initCancellationFlow: () => {
        notice('warn', RETAIN_ABSENT);
        return Promise.resolve({ status: 'error', details: RETAIN_ABSENT });
      },
    },
    PricePreview: (request) => preview('/pricing-preview', request),
    TransactionPreview: (request) => preview('/transactions/preview', request),
    /** @deprecated Paddle.Initialize's old name. */
    Setup: (options) => {
      notice('warn', 'Paddle.Setup is deprecated: use Paddle.Initialize.');
      initialize(options);
    },
    Spinner: { show: showSpinner, hide: hideSpinner },
    Status: { libraryVersion: 'paddock-' + PADDOCK_VERSION },
    Initialized: false,
    Initialize: initialize,
    Update: update,
    Version: 'v1',
  };

  // `@paddle/paddle-js` resolves `PaddleBillingV1`; script-tag pages use `Paddle`.
  window.PaddleBillingV1 = Paddle;
  window.Paddle = Paddle;
  notice(
    'info',
    'This is paddock\'s test stand-in for Paddle.js, not Paddle\'s code. It talks to ' +
      paddock.url + ' (from ' + paddock.from + ').',
  );
})();
