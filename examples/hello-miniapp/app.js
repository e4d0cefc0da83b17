// A sample mini-program: every call goes through the SDK's `sa` object, which the
// container provides; answers are promises, refusals reject with an error code.
var out = document.getElementById('out');

function show(label, value) {
  out.textContent = label + ': ' + JSON.stringify(value);
}

function failed(error) {
  out.textContent = 'refused: ' + error.code + ' (' + error.message + ')';
}

document.getElementById('hello').onclick = function () {
  sa.getUserInfo().then(function (info) { show('hello', info); }, failed);
};

document.getElementById('remember').onclick = function () {
  sa.invoke('getStorage', { key: 'visits' })
    .then(function (found) { return sa.setStorage({ key: 'visits', data: (found.data || 0) + 1 }); })
    .then(function () { return sa.getStorage({ key: 'visits' }); })
    .then(function (found) { show('visits', found.data); }, failed);
};

// A page never sets a price: the app's server creates the order (open API POST /orders) and
// the page passes only the prepayId it answered (docs/partners/QUICKSTART.md). This sample has
// no server, so its button shows the bridge refusing an amount of the page's own.
document.getElementById('pay').onclick = function () {
  sa.requestPayment({ amountFen: 1 })
    .then(function (payment) { show('paid', payment); }, failed);
};

// A name built at run time escapes the upload's static scan; the bridge still refuses it.
document.getElementById('phone').onclick = function () {
  var api = ['get', 'Phone', 'Number'].join('');
  sa.invoke(api).then(function (value) { show('phone', value); }, failed);
};

// The frame has an opaque origin: the container's page and storage are out of reach.
document.getElementById('escape').onclick = function () {
  var seen = [];
  try { seen.push('parent title ' + window.parent.document.title); } catch (e) { seen.push('parent blocked'); }
  try { seen.push('storage ' + window.localStorage.length); } catch (e) { seen.push('storage blocked'); }
  out.textContent = seen.join(', ');
};
