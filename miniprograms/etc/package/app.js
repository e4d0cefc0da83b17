// 悦通 ETC: every call reaches the bank through bankGraphql (the operations in
// operations.graphql); the container asks for the payment PIN itself when applying.
var STATUS = { ACTIVE: '正常', SUSPENDED: '已暂停', CANCELLED: '已注销' };
var DEBIT_STATUS = { SUCCEEDED: '已扣款', UNPAID: '欠费', REFUSED: '未扣款' };
var currentCard = null;

function $(id) { return document.getElementById(id); }
function yuan(fen) { return '¥' + (fen / 100).toFixed(2); }
function bank(operation, variables, extra) {
  var call = { operation: operation, variables: variables || {} };
  if (extra) { for (var k in extra) { call[k] = extra[k]; } }
  return sa.invoke('bankGraphql', call);
}
function refusedText(error) { return '请求未完成：' + (error.message || error.code); }

function cell(row, text) {
  var td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
}

function loadCards() {
  return bank('EtcCards').then(function (r) {
    var list = $('cards');
    list.textContent = '';
    var cards = (r.data && r.data.etcCards) || [];
    if (!cards.length) {
      var empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = '暂无 ETC 卡';
      list.appendChild(empty);
    }
    cards.forEach(function (card) {
      var item = document.createElement('li');
      item.className = 'card';
      var status = card.blacklisted ? '黑名单（请充值补缴欠费）' : STATUS[card.status];
      item.innerHTML = '<strong></strong> <span class="status"></span><br><small></small><br>';
      item.querySelector('strong').textContent = card.plate;
      item.querySelector('.status').textContent = status;
      item.querySelector('.status').className = 'status ' + (card.blacklisted ? 'blacklisted' : card.status.toLowerCase());
      item.querySelector('small').textContent = '卡号 ' + card.number;
      var show = document.createElement('button');
      show.type = 'button';
      show.className = 'show-history';
      show.textContent = '扣款记录';
      show.onclick = function () { showHistory(card.number, card.plate); };
      item.appendChild(show);
      if (card.status !== 'CANCELLED') {
        var toggle = document.createElement('button');
        toggle.type = 'button';
        toggle.className = 'toggle';
        toggle.textContent = card.status === 'ACTIVE' ? '暂停使用' : '恢复使用';
        toggle.onclick = function () {
          bank(card.status === 'ACTIVE' ? 'SuspendEtcCard' : 'ResumeEtcCard', { card: card.number })
            .then(loadCards, function (e) { $('apply-result').textContent = refusedText(e); });
        };
        item.appendChild(toggle);
      }
      list.appendChild(item);
    });
  }, function (e) { $('apply-result').textContent = refusedText(e); });
}

$('apply-button').onclick = function () {
  var plate = $('plate').value;
  $('apply-result').textContent = '';
  bank('ApplyEtcCard', { plate: plate }, { pin: true, purpose: '申办 ETC 并签署代扣协议' }).then(function (r) {
    var answer = r.data && r.data.applyEtcCard;
    if (answer && answer.__typename === 'EtcCard') {
      $('apply-result').textContent = '申办成功：' + answer.plate + '，卡号 ' + answer.number;
      return loadCards();
    }
    $('apply-result').textContent = answer ? answer.message : '申办失败';
  }, function (e) { $('apply-result').textContent = refusedText(e); });
};

function rows(lines) {
  var body = $('records').querySelector('tbody');
  body.textContent = '';
  lines.forEach(function (line) {
    var row = document.createElement('tr');
    line.forEach(function (text) { cell(row, text); });
    body.appendChild(row);
  });
  $('history-result').textContent = lines.length ? '' : '暂无扣款记录';
}

function showList() {
  bank('EtcCardDebits', { card: currentCard }).then(function (r) {
    var answer = r.data.etcCardDebits;
    if (answer.__typename !== 'EtcDebitList') { $('history-result').textContent = answer.message; return; }
    rows(answer.debits.map(function (d) {
      return [d.day, d.merchantName, yuan(d.amount), DEBIT_STATUS[d.status] || d.status];
    }));
    var body = $('records').querySelector('tbody');
    answer.debits.forEach(function (d, i) {
      if (d.status !== 'SUCCEEDED') { return; }
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'dispute';
      button.textContent = '申诉';
      button.onclick = function () {
        bank('DisputeEtcDebit', { debit: d.id, reason: '客户在小程序中对这笔扣款提出申诉' }).then(function (r) {
          var result = r.data.disputeEtcDebit;
          $('history-result').textContent = result.__typename === 'EtcDispute' ? '已提交申诉，等待银行处理' : result.message;
        }, function (e) { $('history-result').textContent = refusedText(e); });
      };
      var td = document.createElement('td');
      td.appendChild(button);
      body.children[i].appendChild(td);
    });
  }, function (e) { $('history-result').textContent = refusedText(e); });
}

function showTotals(by) {
  bank('EtcCardTotals', { card: currentCard, by: by }).then(function (r) {
    var answer = r.data.etcCardTotals;
    if (answer.__typename !== 'EtcTotals') { $('history-result').textContent = answer.message; return; }
    rows(answer.totals.map(function (t) {
      return [t.key, t.count + ' 笔', '已扣 ' + yuan(t.paid), t.unpaid ? '欠费 ' + yuan(t.unpaid) : ''];
    }));
  }, function (e) { $('history-result').textContent = refusedText(e); });
}

function showHistory(number, plate) {
  currentCard = number;
  $('history').hidden = false;
  $('history-card').textContent = plate;
  showList();
}

$('tab-list').onclick = showList;
$('tab-merchant').onclick = function () { showTotals('MERCHANT'); };
$('tab-day').onclick = function () { showTotals('DAY'); };

loadCards();
