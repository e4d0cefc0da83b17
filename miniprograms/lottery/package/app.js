// The lottery page: it reaches the bank only through bankGraphql, by the operations its
// manifest declared (operations.graphql); it never holds the customer's token.
var STATES = { RESERVING: '处理中', RESERVED: '处理中', PAID: '已到账', CONFIRMED: '已到账', CANCELLING: '未到账' };
var result = document.getElementById('result');

function yuan(fen) {
  return '¥' + (fen / 100).toFixed(2);
}

function text(tag, value, className) {
  var node = document.createElement(tag);
  node.textContent = value;
  if (className) { node.className = className; }
  return node;
}

function show(kind, lines) {
  result.hidden = false;
  result.className = kind;
  result.replaceChildren.apply(result, lines.map(function (line, i) { return text(i ? 'p' : 'strong', line); }));
}

function answered(answer) {
  var claim = answer.claimLotteryPrize;
  switch (claim.__typename) {
    case 'LotteryPrizePaid':
      show('paid', [claim.replayed ? '您已兑过这张彩票，奖金已在账户中' : '兑奖成功',
        claim.claim.game + ' 第 ' + claim.claim.draw + ' 期，奖金 ' + yuan(claim.claim.prize) + ' 已转入您的二类账户。']);
      return loadClaims();
    case 'LotteryClaimPending':
      show('pending', ['兑奖处理中', '彩票中心尚未答复，结果确定后奖金会自动到账，请勿重复兑奖。']);
      return loadClaims();
    case 'LotteryOfflineRedemption':
      show('offline', ['奖金 ' + yuan(claim.prize) + ' 超过 500 元，请到兑奖中心领取',
        '就近兑奖中心：' + claim.centreName + '（' + claim.centreAddress + '）',
        claim.whatToBring, '兑奖截止：' + claim.redeemBy.slice(0, 10)]);
      return null;
    default:
      show('refused', ['未能兑奖', claim.message]);
      return null;
  }
}

function failed(error) {
  show('refused', ['暂时无法兑奖', '请稍后再试（' + (error.code || '网络错误') + '）']);
}

function loadClaims() {
  return sa.invoke('bankGraphql', { operation: 'MyClaims' }).then(function (answer) {
    var list = document.getElementById('claims');
    var claims = (answer.data && answer.data.lotteryClaims && answer.data.lotteryClaims.claims) || [];
    if (!claims.length) { list.replaceChildren(text('li', '暂无记录', 'empty')); return; }
    list.replaceChildren.apply(list, claims.map(function (c) {
      var item = text('li', c.game + ' 第 ' + c.draw + ' 期 · 尾号 ' + c.ticketNumber.slice(-4) + ' · ' + yuan(c.prize) + ' · ');
      item.appendChild(text('span', STATES[c.state] || c.state, 'state'));
      return item;
    }));
  }, failed);
}

// A button, not a form: the container's sandbox allows no form submission.
document.getElementById('submit').onclick = function () {
  var ticket = document.getElementById('ticket').value.trim();
  var code = document.getElementById('code').value.trim();
  var button = document.getElementById('submit');
  button.disabled = true;
  sa.invoke('bankGraphql', { operation: 'ClaimPrize', variables: { input: { ticketNumber: ticket, securityCode: code } } })
    .then(function (answer) {
      if (answer.errors && !answer.data) { return failed({ code: answer.errors[0].extensions && answer.errors[0].extensions.code }); }
      return answered(answer.data);
    }, failed)
    .then(function () { button.disabled = false; });
};

loadClaims();
