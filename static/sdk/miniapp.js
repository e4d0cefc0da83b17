/*
 * The mini-program SDK: what a mini-program's own scripts call to reach the bank's app.
 *
 *   sa.getUserInfo().then(function (info) { ... })         // direct form
 *   sa.invoke('getStorage', {key: 'cart'})                  // bridge form
 *   miniapp.call('getUserInfo')                             // the same, by name
 *
 * Every call returns a Promise. A refusal rejects with an Error whose `code` is the
 * bridge's code (API_NOT_DECLARED, AUTHORIZATION_DENIED, RATE_LIMITED, ...). The container
 * injects this file into the sandboxed frame ahead of the package's own scripts; it talks
 * to the container only, by postMessage.
 */
(function (global) {
  'use strict';
  var pending = {};
  var nextId = 1;
  var parent = global.parent;

  function invoke(api, args) {
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      pending[id] = { resolve: resolve, reject: reject };
      parent.postMessage({ sa: 'call', id: id, api: String(api), args: args || {} }, '*');
    });
  }

  global.addEventListener('message', function (event) {
    var message = event.data;
    if (event.source !== parent || !message || message.sa !== 'result' || !pending[message.id]) return;
    var call = pending[message.id];
    delete pending[message.id];
    if (message.error) {
      var error = new Error(message.error.message || message.error.code);
      error.code = message.error.code;
      error.detail = message.error;
      call.reject(error);
    } else {
      call.resolve(message.result);
    }
  });

  var sa = { invoke: invoke };
  [
    'login', 'getUserInfo', 'getPhoneNumber', 'getAccountSummary', 'requestPayment', 'requestSubscribeMessage',
    'chooseImage', 'getLocation', 'getStorage', 'setStorage', 'removeStorage', 'track', 'navigateToMiniProgram',
    'topUpFromCard'
  ].forEach(function (name) {
    sa[name] = function (args) { return invoke(name, args); };
  });
  global.sa = sa;
  global.miniapp = { call: invoke };
})(window);
