/*
 * The mini-program container: resolve the version, download the package, verify its
 * SHA-256 and the host's Ed25519 signature, then run it in a sandboxed frame (scripts only,
 * opaque origin) under a CSP limited to the app's declared domains. Bridge calls arrive by
 * postMessage and are relayed to POST /bridge/v1/{appId}/{api} with the user's token.
 * Any mismatch stops here: there is no fallback to an unverified package.
 *
 * Open as /static/container.html?app=<appId>[&preview=<version>]; the signed-in token is read from
 * localStorage["superapp.accessToken"].
 *
 * Every word it shows comes from the one message catalogue, fetched first from
 * GET /i18n/container in the browser's language (Accept-Language), by text(key, params).
 */
(function () {
  'use strict';
  var PLATFORM = 'h5';
  var CLIENT_VERSION = '5.2.0';
  var params = new URLSearchParams(location.search);
  var appId = params.get('app') || '';
  // ?preview=<version>: a developer runs one version of their own app, in any state; the
  // server answers only the app's developers. Its manifest's devDomains (localhost) are let
  // into the CSP for that run alone.
  var previewVersion = params.get('preview');
  var token = localStorage.getItem('superapp.accessToken') || '';
  var frame = null;
  var appCard = { appId: appId, name: appId, iconUrl: null };
  var $ = function (id) { return document.getElementById(id); };

  // -- what it says ------------------------------------------------------------------------

  var TEXT = {};

  // The message `key` with its {placeholders} filled in, as Python's str.format does.
  function text(key, params) {
    var template = Object.prototype.hasOwnProperty.call(TEXT, key) ? TEXT[key] : key;
    return template.replace(/\{\{|\}\}|\{(\w+)\}/g, function (match, name) {
      if (!name) return match.charAt(0);
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : match;
    });
  }

  // The same, into an element, each filled-in value in a <strong data-param="name">.
  function textInto(el, key, params) {
    var parts = text(key, {}).split(/\{(\w+)\}/);
    el.textContent = '';
    parts.forEach(function (part, i) {
      if (i % 2 === 0) { el.append(part); return; }
      var strong = document.createElement('strong');
      strong.dataset.param = part;
      strong.textContent = String(params[part]);
      el.append(strong);
    });
  }

  async function loadText() {
    var response = await fetch('/i18n/container');
    var answer = await response.json();
    TEXT = answer.messages || {};
    document.documentElement.lang = answer.locale;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = text(el.dataset.i18n); });
  }

  function scopeName(scope) {
    var names = {
      userInfo: text('scope_userInfo'), phoneNumber: text('scope_phoneNumber'),
      accountSummary: text('scope_accountSummary'), location: text('scope_location'),
      album: text('scope_album'), camera: text('scope_camera'), payment: text('scope_payment'),
    };
    return Object.prototype.hasOwnProperty.call(names, scope) ? names[scope] : scope;
  }

  function status(state, message) {
    var el = $('status');
    el.dataset.state = state;
    el.textContent = message;
  }

  function refuse(reason) {
    status('refused', text('cannot_open', { reason: reason }));
    throw new Error('refused: ' + reason);
  }

  function authHeaders(extra) {
    var headers = Object.assign({}, extra || {});
    if (token) headers.authorization = 'Bearer ' + token;
    return headers;
  }

  function fromBase64(text) {
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function toBase64(bytes) {
    var binary = '';
    for (var i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }

  async function sha256Base64(text) {
    return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
  }

  // -- loading and verifying ------------------------------------------------------------

  // What a customer reads when the resolution says no (codes: README, /mp/resolve).
  function unavailable(code) {
    var reasons = {
      UPGRADE_REQUIRED: text('reason_upgrade_required'), OFFLINE: text('reason_offline'),
      NOT_RELEASED: text('reason_not_released'), UNKNOWN_APP: text('reason_unknown_app'),
    };
    return Object.prototype.hasOwnProperty.call(reasons, code) ? reasons[code] : null;
  }

  async function resolveVersion() {
    var url = '/mp/resolve/' + encodeURIComponent(appId) + '?platform=' + PLATFORM + '&clientVersion=' + CLIENT_VERSION;
    if (previewVersion) url += '&preview=' + encodeURIComponent(previewVersion);
    var response = await fetch(url, { headers: authHeaders(), cache: 'no-cache' });
    var answer = await response.json().catch(function () { return {}; });
    if (answer.status === 'OK') return answer;
    // A token the server no longer accepts: to the customer, a session that ended.
    if (answer.error && answer.error.code === 'INVALID_TOKEN') refuse(text('reason_session_ended'));
    refuse(unavailable(answer.status) || (answer.error && answer.error.message)
      || text('reason_server_status', { status: response.status }));
  }

  // The title bar shows the app's name and icon; its id until they arrive (or if they never do).
  async function showProfile() {
    var response = await fetch('/mp/profile/' + encodeURIComponent(appId));
    if (!response.ok) return;
    var profile = await response.json();
    appCard = { appId: appId, name: profile.name || appId, iconUrl: profile.iconUrl || null };
    $('app-title').textContent = appCard.name;
    document.title = appCard.name;
    $('app-icon').hidden = !appCard.iconUrl;
    if (appCard.iconUrl) $('app-icon').src = appCard.iconUrl;
  }

  async function verified(resolved) {
    var downloads = await Promise.all([
      fetch('/mp/keys').then(function (r) { return r.json(); }),
      fetch(resolved.url).then(function (r) { if (!r.ok) refuse(text('reason_package_not_found')); return r.arrayBuffer(); }),
    ]);
    var keys = downloads[0], zip = downloads[1];
    if (hex(await crypto.subtle.digest('SHA-256', zip)) !== resolved.digest) refuse(text('reason_digest'));
    var key = keys.keys.find(function (k) { return k.kid === resolved.keyId && k.alg === 'Ed25519'; });
    if (!key) refuse(text('reason_unknown_key', { key: resolved.keyId }));
    var publicKey = await crypto.subtle.importKey('raw', fromBase64(key.publicKey), { name: 'Ed25519' }, false, ['verify']);
    var statement = new TextEncoder().encode('superapp-mp-v1:' + appId + ':' + resolved.version + ':' + resolved.digest);
    var good = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, fromBase64(resolved.signature), statement);
    if (!good) refuse(text('reason_signature'));
    return zip;
  }

  // -- building the sandboxed document -----------------------------------------------------

  function joinPath(page, relative) {
    var parts = page.split('/').slice(0, -1);
    relative.split('/').forEach(function (part) {
      if (part === '..') parts.pop();
      else if (part && part !== '.') parts.push(part);
    });
    return parts.join('/');
  }

  var MEDIA = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', woff2: 'font/woff2' };

  function hostsOf(domains, kind, scheme) {
    return ((domains && domains[kind]) || []).filter(function (h) { return /^[A-Za-z0-9.-]+$/.test(h); })
      .map(function (h) { return scheme + '://' + h; });
  }

  // A development version's local origins (localhost:5173), over plain http and ws: only in a preview.
  function devOrigins(manifest, preview, scheme) {
    if (!preview) return [];
    return (Array.isArray(manifest.devDomains) ? manifest.devDomains : [])
      .filter(function (h) { return /^(localhost|127\.0\.0\.1)(:[0-9]{1,5})?$/.test(h); })
      .map(function (h) { return scheme + '://' + h; });
  }

  // A first-party version's images on the bank's own server (the host lets only the bank's
  // own apps declare bankMedia): those path prefixes on this origin, for img-src alone.
  function bankMedia(manifest) {
    return (Array.isArray(manifest.bankMedia) ? manifest.bankMedia : [])
      .filter(function (p) { return /^(\/[a-z0-9][a-z0-9_-]{0,31}){1,4}\/$/.test(p); })
      .map(function (p) { return location.origin + p; });
  }

  async function buildDocument(files, manifest, sdk, preview) {
    var fileText = function (name) {
      var data = files.get(name);
      if (!data) refuse(text('reason_missing_file', { name: name }));
      return new TextDecoder().decode(data);
    };
    var page = manifest.entryPage;
    var doc = new DOMParser().parseFromString(fileText(page), 'text/html');
    var scripts = [];
    var inline = Array.from(doc.querySelectorAll('script'));
    for (var i = 0; i < inline.length; i++) {
      var script = inline[i];
      if (script.src || script.getAttribute('src')) {
        var body = fileText(joinPath(page, script.getAttribute('src')));
        script.removeAttribute('src');
        script.textContent = body;
      }
      scripts.push(script.textContent);
    }
    doc.querySelectorAll('link[rel="stylesheet"][href]').forEach(function (link) {
      var style = doc.createElement('style');
      style.textContent = fileText(joinPath(page, link.getAttribute('href')));
      link.replaceWith(style);
    });
    doc.querySelectorAll('img[src]').forEach(function (img) {
      var name = joinPath(page, img.getAttribute('src'));
      var data = files.get(name);
      if (data) img.setAttribute('src', 'data:' + (MEDIA[name.split('.').pop()] || 'application/octet-stream') + ';base64,' + toBase64(data));
    });
    var hashes = await Promise.all([sdk].concat(scripts).map(sha256Base64));
    var domains = manifest.domains || {};
    var csp = [
      "default-src 'none'",
      'script-src ' + hashes.map(function (h) { return "'sha256-" + h + "'"; }).join(' '),
      "style-src 'unsafe-inline'",
      ['img-src data:'].concat(hostsOf(domains, 'download', 'https'), devOrigins(manifest, preview, 'http'),
        bankMedia(manifest)).join(' '),
      ['connect-src'].concat(hostsOf(domains, 'request', 'https'), hostsOf(domains, 'socket', 'wss'),
        hostsOf(domains, 'upload', 'https'), devOrigins(manifest, preview, 'http'),
        devOrigins(manifest, preview, 'ws')).join(' '),
      'font-src data:',
      "form-action 'none'",
      "base-uri 'none'",
    ].join('; ');
    var meta = doc.createElement('meta');
    meta.httpEquiv = 'Content-Security-Policy';
    meta.content = csp;
    var bridge = doc.createElement('script');
    bridge.textContent = sdk;
    doc.head.prepend(meta, bridge);
    return { html: '<!doctype html>' + doc.documentElement.outerHTML, csp: csp };
  }

  // -- prompts ----------------------------------------------------------------------------

  var promptQueue = Promise.resolve();

  function sheet(id, prepare, buttons) {
    // One prompt at a time: a second call waits for the first answer.
    var shown = promptQueue.then(function () {
      return new Promise(function (resolve) {
        prepare();
        var el = $(id);
        el.hidden = false;
        Object.keys(buttons).forEach(function (buttonId) {
          var answer = function () {
            var value = buttons[buttonId]();
            if (value === undefined) return;  // stay open (e.g. nothing chosen yet)
            el.hidden = true;
            resolve(value);
          };
          $(buttonId).onclick = answer;
          if ($(buttonId).type === 'file') $(buttonId).onchange = answer;  // a file input answers when a file is picked
        });
      });
    });
    promptQueue = shown.catch(function () {});
    return shown;
  }

  function askConsent(authorization) {
    return sheet('consent', function () {
      var app = authorization.app || appCard;
      $('consent-app').textContent = app.name;
      $('consent-icon').hidden = !app.iconUrl;
      if (app.iconUrl) $('consent-icon').src = app.iconUrl;
      textInto($('consent-ask'), 'consent_ask', { scope: scopeName(authorization.scope) });
      $('consent-reason').textContent = authorization.reason;
    }, { 'consent-allow': function () { return true; }, 'consent-deny': function () { return false; } });
  }

  async function graphql(query, variables) {
    var response = await fetch('/graphql', {
      method: 'POST', headers: authHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ query: query, variables: variables }),
    });
    return response.json();
  }

  var GRANT = 'mutation($app: String!, $scope: String!) { grantMiniAppConsent(appId: $app, scope: $scope) { __typename ... on Error { message } } }';

  // -- the bridge -------------------------------------------------------------------------

  async function post(api, args, extra) {
    var response = await fetch('/bridge/v1/' + encodeURIComponent(appId) + '/' + encodeURIComponent(api), {
      method: 'POST', headers: authHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify(Object.assign({ args: args, platform: PLATFORM, clientVersion: CLIENT_VERSION },
        previewVersion ? { preview: previewVersion } : {}, extra || {})),
    });
    try {
      return await response.json();
    } catch (e) {
      return { error: { code: 'NETWORK', message: text('network', { status: response.status }) } };
    }
  }

  function denied() { return { error: { code: 'AUTHORIZATION_DENIED', message: text('denied') } }; }
  function cancelled() { return { error: { code: 'CANCELLED', message: text('cancelled') } }; }

  // APIs whose input comes from the container's own UI or the device, never from the frame.
  var prepare = {
    getLocation: function (args) {
      if (!navigator.geolocation) return Promise.resolve({ args: args });
      return new Promise(function (resolve) {
        navigator.geolocation.getCurrentPosition(function (p) {
          resolve({ args: { latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy } });
        }, function () { resolve({ answer: { error: { code: 'LOCATION_UNAVAILABLE', message: text('no_position') } } }); });
      });
    },
    chooseImage: function () {
      var file = $('image-file');
      file.value = '';
      return sheet('image-sheet', function () {}, {
        'image-file': function () { return file.files[0] || undefined; },
        'image-cancel': function () { return null; },
      }).then(async function (chosen) {
        if (!chosen) return { answer: cancelled() };
        return { args: { data: toBase64(new Uint8Array(await chosen.arrayBuffer())) } };
      });
    },
    // The frame names only the prepay id its server got. The bridge answers, before any PIN,
    // with the server's order (amount, description) and the app as registered: the sheet shows
    // those, never what the page says. The user picks the account and enters the PIN here: the
    // frame never sees the PIN or the list of accounts.
    requestPayment: async function (args) {
      var asked = await post('requestPayment', args, {});
      if (!asked.error || asked.error.code !== 'STEP_UP_REQUIRED' || !asked.error.order) return { answer: asked };
      var order = asked.error.order;
      var app = order.app || appCard;
      var listed = await graphql('query { accounts { id name balance status } }', {});
      var accounts = (listed.data && listed.data.accounts) || [];
      var select = $('payment-account');
      select.textContent = '';
      accounts.forEach(function (account) {
        var option = document.createElement('option');
        option.value = account.id;
        option.textContent = account.name + ' (¥' + (Number(account.balance) / 100).toFixed(2) + ')';
        select.appendChild(option);
      });
      // The user's coupons this order can take (the bank listed them): picking one shows what is
      // left to pay; the bank checks the coupon again when paying.
      var coupons = order.coupons || [];
      var couponSelect = $('payment-coupon');
      couponSelect.textContent = '';
      [{ couponId: '', amountFen: 0 }].concat(coupons).forEach(function (coupon) {
        var option = document.createElement('option');
        option.value = coupon.couponId;
        option.textContent = coupon.couponId
          ? text('coupon_option', { discount: (Number(coupon.amountFen) / 100).toFixed(2) }) : text('no_coupon', {});
        couponSelect.appendChild(option);
      });
      function showAmount() {
        var picked = coupons.filter(function (c) { return c.couponId === couponSelect.value; })[0];
        var discount = picked ? Number(picked.amountFen) : 0;
        $('payment-amount').textContent = ((Number(order.amountFen) - discount) / 100).toFixed(2);
        $('payment-discount').hidden = !discount;
        if (discount) {
          textInto($('payment-discount'), 'coupon_off', {
            amount: (Number(order.amountFen) / 100).toFixed(2), discount: (discount / 100).toFixed(2) });
        }
      }
      var chosen = await sheet('payment-sheet', function () {
        textInto($('payment-title'), 'pay_to', { app: app.name });
        $('payment-icon').hidden = !app.iconUrl;
        if (app.iconUrl) $('payment-icon').src = app.iconUrl;
        $('payment-description').textContent = String(order.description);
        $('payment-coupon-row').hidden = !coupons.length;
        couponSelect.value = order.couponId && coupons.some(function (c) { return c.couponId === order.couponId; })
          ? order.couponId : '';
        couponSelect.onchange = showAmount;
        showAmount();
        $('payment-sandbox').hidden = !order.sandbox;
        $('payment-pin').value = '';
      }, {
        'payment-confirm': function () {
          return { account: select.value, pin: $('payment-pin').value, coupon: couponSelect.value };
        },
        'payment-cancel': function () { return null; },
      });
      if (!chosen) return { answer: cancelled() };
      var paying = { prepayId: args.prepayId, fromAccountId: chosen.account };
      if (chosen.coupon) paying.couponId = chosen.coupon;
      return { args: paying, extra: { pin: chosen.pin } };
    },
    // A first-party operation that takes the PIN ({pin: true}): the container asks for it in
    // its own sheet, naming the app and what the page says it is for; the frame never sees it.
    bankGraphql: async function (args) {
      if (args.pin !== true) return { args: args };
      var pin = await sheet('pin-sheet', function () {
        textInto($('pin-title'), 'pin_for', { app: appCard.name });
        $('pin-purpose').textContent = String(args.purpose || '').slice(0, 60);
        $('pin-input').value = '';
      }, {
        'pin-confirm': function () { return $('pin-input').value; },
        'pin-cancel': function () { return null; },
      });
      if (pin === null) return { answer: cancelled() };
      return { args: args, extra: { pin: pin } };
    },
    // A top-up from a bound card the frame names by its token: the bridge answers, before any
    // PIN, with the amount and the card's last four digits; the container shows them and takes
    // the PIN in its own sheet.
    topUpFromCard: async function (args) {
      var asked = await post('topUpFromCard', args, {});
      if (!asked.error || asked.error.code !== 'STEP_UP_REQUIRED' || !asked.error.topUp) return { answer: asked };
      var topUp = asked.error.topUp;
      var app = topUp.app || appCard;
      var pin = await sheet('pin-sheet', function () {
        textInto($('pin-title'), 'pin_for', { app: app.name });
        textInto($('pin-purpose'), 'top_up_from_card', {
          amount: (Number(topUp.amountFen) / 100).toFixed(2), last4: String(topUp.card.last4) });
        $('pin-input').value = '';
      }, {
        'pin-confirm': function () { return $('pin-input').value; },
        'pin-cancel': function () { return null; },
      });
      if (pin === null) return { answer: cancelled() };
      return { args: args, extra: { pin: pin } };
    },
    requestSubscribeMessage: async function (args) {
      var allowed = await sheet('subscribe-sheet', function () {
        textInto($('subscribe-ask'), 'subscribe_ask', { app: appCard.name, topic: String(args.topic || '') });
      }, { 'subscribe-allow': function () { return true; }, 'subscribe-deny': function () { return false; } });
      return allowed ? { args: args, extra: { confirmed: true } } : { answer: denied() };
    },
  };
  // The file input reports a choice by `change`, not `click`.
  document.addEventListener('change', function (event) {
    if (event.target.id === 'image-file' && $('image-file').onclick) $('image-file').onclick();
  });

  async function relay(api, args) {
    var extra = {};
    if (prepare[api]) {
      var prepared = await prepare[api](args, extra);
      if (prepared.answer) return prepared.answer;
      args = prepared.args;
      extra = prepared.extra || extra;
    }
    var answer = await post(api, args, extra);
    if (answer.error && answer.error.code === 'AUTHORIZATION_REQUIRED') {
      appCard = answer.error.authorization.app || appCard;
      if (!(await askConsent(answer.error.authorization))) return denied();
      var granted = await graphql(GRANT, { app: appId, scope: answer.error.authorization.scope });
      var result = granted.data && granted.data.grantMiniAppConsent;
      if (!result || result.__typename !== 'MiniAppConsent') {
        return { error: { code: 'AUTHORIZATION_FAILED', message: (result && result.message) || text('consent_not_recorded') } };
      }
      answer = await post(api, args, extra);
    }
    return answer;
  }

  window.addEventListener('message', async function (event) {
    // Only the frame we made may call, and it has an opaque origin (sandbox, no same-origin).
    if (!frame || event.source !== frame.contentWindow || event.origin !== 'null') return;
    var message = event.data;
    if (!message || message.sa !== 'call' || typeof message.id !== 'number' || typeof message.api !== 'string') return;
    var args = message.args && typeof message.args === 'object' && !Array.isArray(message.args) ? message.args : {};
    var answer;
    try {
      answer = await relay(message.api, args);
    } catch (e) {
      console.error(e);
      answer = { error: { code: 'NETWORK', message: text('network_failed') } };
    }
    frame.contentWindow.postMessage({ sa: 'result', id: message.id, result: answer.result, error: answer.error }, '*');
    // The app the bridge named opens here, in this container's place, for the same customer.
    if (message.api === 'navigateToMiniProgram' && answer.result && /^[A-Za-z0-9_-]{1,32}$/.test(answer.result.appId)) {
      location.assign('container.html?app=' + encodeURIComponent(answer.result.appId));
    }
  });

  // -- start ------------------------------------------------------------------------------

  async function start() {
    await loadText();
    status('loading', text('loading'));
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(appId)) refuse(text('reason_no_app'));
    $('app-title').textContent = appId;
    var profile = showProfile().catch(function () {});
    // Every bridge call carries the customer's token: without one nothing could work.
    if (!token) refuse(text('reason_sign_in'));
    if (!window.crypto || !crypto.subtle) refuse(text('reason_browser'));
    var resolved = await resolveVersion();
    var zip = await verified(resolved);
    var files = await readZip(zip);
    var manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json') || new Uint8Array()));
    if (manifest.appId !== appId || manifest.version !== resolved.version) refuse(text('reason_manifest'));
    var sdk = await fetch('sdk/miniapp.js').then(function (r) { return r.text(); });
    var preview = resolved.channel === 'preview';
    var built = await buildDocument(files, manifest, sdk, preview);
    await profile;
    frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.title = appCard.name;
    frame.srcdoc = built.html;
    $('stage').appendChild(frame);
    var shown = { name: appCard.name, version: resolved.version };
    status('running', preview ? text('running_preview', shown) : text('running', shown));
    document.body.dataset.version = resolved.version;
    document.body.dataset.channel = resolved.channel;
  }

  start().catch(function (error) {
    if ($('status').dataset.state === 'refused') return;
    console.error(error);
    status('refused', text('cannot_open', { reason: text('reason_unexpected') }));
  });
})();
