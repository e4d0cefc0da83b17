// 智慧园区: every call reaches the bank through bankGraphql (the operations in
// operations.graphql); paying a bill asks for the payment PIN in the container's own sheet.
var USE = { OFFICE: '办公', PLANT: '厂房', WAREHOUSE: '仓库', SHOP: '商铺' };
var BILL_KIND = { DEPOSIT: '押金', RENT: '租金' };
var ENQUIRY = { OPEN: '待回复', ANSWERED: '已回复' };
var VIEWING = { NONE: '', REQUESTED: '已预约看房', CONFIRMED: '看房已确认', DECLINED: '看房未安排' };
var TICKET = { NEW: '待派单', ASSIGNED: '已派单', IN_PROGRESS: '维修中', DONE: '已完工', CONFIRMED: '已确认',
               REOPENED: '已退回重修' };
var URGENCY = { URGENT: '紧急', HIGH: '较急', NORMAL: '一般', LOW: '不急' };
var AFFAIR = { IN_REVIEW: '审核中', APPROVED: '已通过', REJECTED: '未通过' };
var FINANCING = { SUBMITTED: '已提交，待信贷审批', APPROVED: '已批准', REJECTED: '未获批准' };
var state = { enterprise: null, after: null, unitCodes: {}, photos: [] };

function $(id) { return document.getElementById(id); }
function yuan(fen) { return '¥' + (fen / 100).toFixed(2); }
function bank(operation, variables, extra) {
  var call = { operation: operation, variables: variables || {} };
  if (extra) { for (var k in extra) { call[k] = extra[k]; } }
  return sa.invoke('bankGraphql', call);
}
function refused(target) {
  return function (error) { $(target).textContent = '请求未完成：' + (error.message || error.code); };
}
// A union answer: the wanted type, or its Error's message shown in `target`.
function answer(result, field, typename, target) {
  var value = result.data && result.data[field];
  if (!value) { $(target).textContent = '请求未完成'; return null; }
  if (value.__typename !== typename) { $(target).textContent = value.message || '请求未完成'; return null; }
  return value;
}
function item(list, text, className) {
  var li = document.createElement('li');
  li.textContent = text;
  if (className) { li.className = className; }
  $(list).appendChild(li);
  return li;
}
function button(li, text, onclick, className) {
  var b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) { b.className = className; }
  b.onclick = onclick;
  li.appendChild(document.createElement('br'));
  li.appendChild(b);
  return b;
}
// A photo as the bank serves it: WebP at 1x/2x/3x for screens that take it, JPEG otherwise
// (`thumb`: the square list rendition alone).
function picture(photo, thumb) {
  var by = {};
  photo.renditions.forEach(function (r) { by[r.name + (r.mediaType === 'image/webp' ? '.webp' : '.jpg')] = r.url; });
  var el = document.createElement('picture');
  var source = document.createElement('source');
  source.type = 'image/webp';
  source.srcset = thumb ? by['thumb.webp'] : by['1x.webp'] + ' 1x, ' + by['2x.webp'] + ' 2x, ' + by['3x.webp'] + ' 3x';
  var img = document.createElement('img');
  img.src = thumb ? by['thumb.jpg'] : by['1x.jpg'];
  if (!thumb) { img.srcset = by['1x.jpg'] + ' 1x, ' + by['2x.jpg'] + ' 2x, ' + by['3x.jpg'] + ' 3x'; }
  img.alt = '照片';
  img.className = thumb ? 'thumb' : 'photo';
  el.appendChild(source);
  el.appendChild(img);
  return el;
}
function photos(li, list, thumb) {
  if (!list || !list.length) { return; }
  var row = document.createElement('div');
  row.className = 'photos';
  list.forEach(function (p) { row.appendChild(picture(p, thumb)); });
  li.appendChild(row);
}
function empty(list, text) { if (!$(list).children.length) { item(list, text, 'empty'); } }

function showTab(name) {
  Array.prototype.forEach.call(document.querySelectorAll('.panel'), function (p) { p.hidden = p.id !== name; });
  Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (t) {
    t.className = 'tab' + (t.getAttribute('data-tab') === name ? ' active' : '');
  });
  if (name === 'bills') { loadBills(); }
  if (name === 'repairs') { loadRepairs(); }
  if (name === 'desk') { loadDesk(); }
  if (name === 'services') { loadServices(); }
}

function search(more) {
  var filter = {};
  if ($('f-park').value) { filter.parkId = $('f-park').value; }
  if ($('f-use').value) { filter.use = $('f-use').value; }
  if ($('f-area-min').value) { filter.areaMinM2 = $('f-area-min').value; }
  if ($('f-area-max').value) { filter.areaMaxM2 = $('f-area-max').value; }
  if ($('f-rent-max').value) { filter.rentMax = Math.round(parseFloat($('f-rent-max').value) * 100); }
  if ($('f-date').value) { filter.availableBy = $('f-date').value; }
  if (!more) { $('units').textContent = ''; state.after = null; }
  return bank('ParkListings', { search: filter, after: state.after }).then(function (r) {
    var page = answer(r, 'parkListings', 'ParkUnitPage', 'find-result');
    if (!page) { return; }
    page.units.forEach(function (u) {
      state.unitCodes[u.id] = u.code;
      var li = item('units', u.code + ' · ' + USE[u.use] + ' · ' + u.areaM2 + ' ㎡ · ' + u.floor + ' 层', 'unit');
      li.appendChild(document.createElement('br'));
      li.appendChild(document.createTextNode(yuan(u.rentFenPerM2Day) + '/㎡/天，约 ' + yuan(u.monthlyRentEstimate) +
        '/月 · ' + u.availableFrom + ' 起可入驻'));
      photos(li, u.photos.slice(0, 3), false);
      button(li, '咨询 / 预约看房', function () { openEnquiry(u); }, 'ask');
    });
    empty('units', '没有符合条件的房源');
    state.after = page.endCursor;
    $('more').hidden = !page.hasNextPage;
  }, refused('find-result'));
}

function openEnquiry(unit) {
  state.enquiryUnit = unit;
  $('enquiry-unit').textContent = unit.code;
  $('enquiry-form').hidden = false;
  $('enquiry-message').focus();
}

function sendEnquiry() {
  if (!state.enterprise) { $('find-result').textContent = '请先选择企业'; return; }
  var viewing = $('enquiry-viewing').value;
  var variables = { enterpriseId: state.enterprise, unitId: state.enquiryUnit.id, message: $('enquiry-message').value,
                    viewingAt: viewing ? new Date(viewing).toISOString() : null };
  bank('SendParkEnquiry', variables).then(function (r) {
    var sent = answer(r, 'sendParkEnquiry', 'ParkEnquiry', 'find-result');
    if (!sent) { return; }
    $('find-result').textContent = '咨询已提交，园区回复后会通知您';
    $('enquiry-form').hidden = true;
    $('enquiry-message').value = '';
    loadEnquiries();
  }, refused('find-result'));
}

function loadEnquiries() {
  if (!state.enterprise) { return Promise.resolve(); }
  return bank('MyParkEnquiries', { enterpriseId: state.enterprise }).then(function (r) {
    var list = answer(r, 'myParkEnquiries', 'ParkEnquiryList', 'find-result');
    $('enquiries').textContent = '';
    if (!list) { return; }
    list.enquiries.forEach(function (e) {
      var text = (state.unitCodes[e.unitId] || ('房源 ' + e.unitId)) + '：' + e.message + ' · ' + ENQUIRY[e.status] +
        (VIEWING[e.viewingStatus] ? ' · ' + VIEWING[e.viewingStatus] : '');
      var li = item('enquiries', text, 'enquiry');
      if (e.reply) { li.appendChild(document.createElement('br')); li.appendChild(document.createTextNode('园区回复：' + e.reply)); }
    });
    empty('enquiries', '暂无咨询');
  }, refused('find-result'));
}

function loadBills() {
  $('bill-list').textContent = '';
  if (!state.enterprise) { return; }
  bank('MyRentBills', { enterpriseId: state.enterprise }).then(function (r) {
    var list = answer(r, 'myRentBills', 'RentBillList', 'bill-result');
    if (!list) { return; }
    list.bills.forEach(function (b) {
      var status = b.status === 'PAID' ? '已支付' : (b.late ? '已逾期' : '待支付');
      var li = item('bill-list', b.period + ' ' + BILL_KIND[b.kind] + ' ' + yuan(b.amount) + ' · ' + b.dueDate +
        ' 到期 · ' + status, b.status === 'PAID' ? 'bill paid' : (b.late ? 'bill late' : 'bill'));
      if (b.status !== 'PAID') {
        button(li, '支付', function () { pay(b); }, 'pay');
      }
    });
    empty('bill-list', '暂无账单');
  }, refused('bill-result'));
}

function pay(bill) {
  var purpose = '支付 ' + bill.period + ' ' + BILL_KIND[bill.kind] + ' ' + yuan(bill.amount);
  bank('PayRentBill', { billId: bill.id }, { pin: true, purpose: purpose }).then(function (r) {
    var receipt = answer(r, 'payRentBill', 'RentReceipt', 'bill-result');
    if (!receipt) { return; }
    var box = $('receipt');
    box.hidden = false;
    box.textContent = '';
    ['电子回单', '账单：' + receipt.bill.period + ' ' + BILL_KIND[receipt.bill.kind], '金额：' + yuan(receipt.amount),
     '付款方：' + receipt.payerName + '（' + receipt.payerAccountNumber + '）',
     '收款方：' + receipt.payeeName + '（' + receipt.payeeAccountNumber + '）',
     '交易流水号：' + receipt.entryId].forEach(function (line) {
      var p = document.createElement('div');
      p.textContent = line;
      box.appendChild(p);
    });
    $('bill-result').textContent = '支付成功';
    loadBills();
  }, refused('bill-result'));
}

function loadRepairs() {
  if (!state.enterprise) { return; }
  bank('MyParkLeases', { enterpriseId: state.enterprise }).then(function (r) {
    var list = answer(r, 'myParkLeases', 'ParkLeaseList', 'repair-result');
    $('r-unit').textContent = '';
    if (!list) { return; }
    list.leases.forEach(function (l) {
      var option = document.createElement('option');
      option.value = l.unitId;
      option.textContent = '房源 ' + l.unitId + '（' + l.start + ' 起 ' + l.months + ' 个月）';
      $('r-unit').appendChild(option);
    });
  }, refused('repair-result'));
  bank('MyRepairTickets', { enterpriseId: state.enterprise }).then(function (r) {
    var list = answer(r, 'myRepairTickets', 'RepairTicketList', 'repair-result');
    $('tickets').textContent = '';
    if (!list) { return; }
    list.tickets.forEach(function (t) {
      var li = item('tickets', '报修单 ' + t.id + ' · ' + URGENCY[t.urgency] + ' · ' + TICKET[t.status] + '：' +
        t.description + (t.rating ? ' · 评价 ' + t.rating + ' 星' : ''), 'ticket');
      photos(li, t.photos, true);
      if (t.status === 'DONE') {
        button(li, '确认完工', function () { move(t.id, 'CONFIRMED', ''); }, 'confirm');
        button(li, '退回重修', function () { move(t.id, 'REOPENED', '问题仍未解决'); }, 'reopen');
      }
      if ((t.status === 'DONE' || t.status === 'CONFIRMED') && !t.rating) {
        button(li, '五星好评', function () { rate(t.id, 5); }, 'rate');
      }
    });
    empty('tickets', '暂无报修');
  }, refused('repair-result'));
}

function addPhoto() {
  if (state.photos.length >= 9) { $('repair-result').textContent = '最多添加 9 张照片'; return; }
  sa.chooseImage().then(function (chosen) {
    state.photos.push(chosen.fileId);
    $('r-photo-count').textContent = '已添加 ' + state.photos.length + ' 张照片';
  }, function (error) {
    if (error.code !== 'CANCELLED') { refused('repair-result')(error); }
  });
}

function fileTicket() {
  var variables = { unitId: $('r-unit').value, category: $('r-category').value, urgency: $('r-urgency').value,
                    description: $('r-description').value,
                    photos: state.photos.map(function (id) { return { fileId: id }; }) };
  bank('FileRepairTicket', variables).then(function (r) {
    var ticket = answer(r, 'fileRepairTicket', 'RepairTicket', 'repair-result');
    if (!ticket) { return; }
    $('repair-result').textContent = '报修已提交：报修单 ' + ticket.id;
    $('r-description').value = '';
    state.photos = [];
    $('r-photo-count').textContent = '';
    loadRepairs();
  }, refused('repair-result'));
}

function move(id, to, note) {
  bank('MoveRepairTicket', { ticketId: id, to: to, note: note }).then(function (r) {
    if (answer(r, 'moveRepairTicket', 'RepairTicket', 'repair-result')) { loadRepairs(); }
  }, refused('repair-result'));
}

function rate(id, rating) {
  bank('RateRepairTicket', { ticketId: id, rating: rating }).then(function (r) {
    if (answer(r, 'rateRepairTicket', 'RepairTicket', 'repair-result')) { loadRepairs(); }
  }, refused('repair-result'));
}

// Park affairs: each type's form is the operator's JSON Schema, drawn as one field per property.
function drawForm(type) {
  var box = $('a-form');
  box.textContent = '';
  if (!type) { return; }
  var props = (type.formSchema && type.formSchema.properties) || {};
  Object.keys(props).forEach(function (name) {
    var prop = props[name];
    var label = document.createElement('label');
    label.textContent = (prop.title || name) + ' ';
    var input = document.createElement('input');
    input.type = prop.type === 'integer' || prop.type === 'number' ? 'number' : 'text';
    input.dataset.field = name;
    input.dataset.kind = prop.type || 'string';
    label.appendChild(input);
    box.appendChild(label);
  });
}

function loadServices() {
  if (!state.enterprise) { return; }
  bank('MyParkLeases', { enterpriseId: state.enterprise }).then(function (r) {
    var list = answer(r, 'myParkLeases', 'ParkLeaseList', 'services-result');
    $('f-lease').textContent = '';
    if (!list || !list.leases.length) { $('services-result').textContent = '贵企业在园区还没有租约'; return; }
    list.leases.forEach(function (l) {
      var option = document.createElement('option');
      option.value = l.id;
      option.textContent = '租约 ' + l.id + '（房源 ' + l.unitId + '，' + l.start + ' 起 ' + l.months + ' 个月）';
      $('f-lease').appendChild(option);
    });
    return bank('ParkServices', { enterpriseId: state.enterprise, parkId: list.leases[0].parkId }).then(function (s) {
      var types = (s.data && s.data.parkAffairTypes) || [];
      state.affairTypes = types;
      $('a-type').textContent = '';
      types.forEach(function (type) {
        var option = document.createElement('option');
        option.value = type.id;
        option.textContent = type.name;
        $('a-type').appendChild(option);
      });
      drawForm(types[0]);
      $('affairs').textContent = '';
      var affairs = answer(s, 'myParkAffairs', 'ParkAffairApplicationList', 'services-result');
      (affairs ? affairs.applications : []).forEach(function (a) {
        item('affairs', a.typeName + ' · ' + AFFAIR[a.status] + (a.stepName ? '（' + a.stepName + '）' : ''), 'affair');
      });
      empty('affairs', '暂无事务申请');
      $('financings').textContent = '';
      var financing = answer(s, 'myLeaseFinancing', 'LeaseFinancingList', 'financing-result');
      (financing ? financing.applications : []).forEach(function (f) {
        item('financings', '租约 ' + f.leaseId + ' · ' + yuan(f.amount) + ' · ' + f.months + ' 个月 · ' +
          FINANCING[f.status] + (f.reason ? '：' + f.reason : ''), 'financing');
      });
      empty('financings', '暂无融资申请');
    });
  }, refused('services-result'));
}

function applyAffair() {
  var form = {};
  Array.prototype.forEach.call(document.querySelectorAll('#a-form input'), function (input) {
    if (input.value === '') { return; }
    form[input.dataset.field] = input.dataset.kind === 'integer' ? parseInt(input.value, 10)
      : input.dataset.kind === 'number' ? parseFloat(input.value) : input.value;
  });
  bank('ApplyParkAffair', { enterpriseId: state.enterprise, typeId: $('a-type').value, form: form }).then(function (r) {
    var applied = answer(r, 'applyParkAffair', 'ParkAffairApplication', 'services-result');
    if (!applied) { return; }
    $('services-result').textContent = '申请已提交：' + AFFAIR[applied.status] + (applied.stepName ? '（' + applied.stepName + '）' : '');
    loadServices();
  }, refused('services-result'));
}

function applyFinancing() {
  var amount = Math.round(parseFloat($('f-amount').value) * 100);
  if (!(amount > 0)) { $('financing-result').textContent = '请输入融资金额'; return; }
  bank('ApplyLeaseFinancing', { leaseId: $('f-lease').value, amount: amount, months: parseInt($('f-months').value, 10),
                                purpose: $('f-purpose').value }).then(function (r) {
    if (!answer(r, 'applyLeaseFinancing', 'LeaseFinancing', 'financing-result')) { return; }
    $('financing-result').textContent = '融资申请已提交，信贷审批后会通知您';
    loadServices();
  }, refused('financing-result'));
}

function loadDesk() {
  var park = $('d-park').value;
  if (!park) { return; }
  bank('ParkDesk', { parkId: park }).then(function (r) {
    ['d-enquiries', 'd-late', 'd-breaches'].forEach(function (id) { $(id).textContent = ''; });
    var enquiries = answer(r, 'parkEnquiries', 'ParkEnquiryList', 'desk-result');
    (enquiries ? enquiries.enquiries : []).forEach(function (e) {
      if (e.status !== 'OPEN') { return; }
      var li = item('d-enquiries', '房源 ' + e.unitId + '：' + e.message + (e.viewingAt ? ' · 希望看房 ' +
        new Date(e.viewingAt).toLocaleString('zh-CN') : ''), 'desk-enquiry');
      var reply = document.createElement('input');
      reply.type = 'text';
      reply.className = 'reply';
      reply.placeholder = '回复内容';
      li.appendChild(document.createElement('br'));
      li.appendChild(reply);
      button(li, '回复并确认看房', function () { answerEnquiry(e.id, reply.value, true); }, 'answer');
    });
    empty('d-enquiries', '暂无待回复咨询');
    var late = answer(r, 'parkRentBills', 'RentBillList', 'desk-result');
    (late ? late.bills : []).forEach(function (b) {
      item('d-late', b.period + ' ' + yuan(b.amount) + ' · ' + b.dueDate + ' 到期', 'late');
    });
    empty('d-late', '暂无逾期账单');
    var breaches = answer(r, 'repairBreaches', 'RepairTicketList', 'desk-result');
    (breaches ? breaches.tickets : []).forEach(function (t) {
      item('d-breaches', '报修单 ' + t.id + ' · ' + URGENCY[t.urgency] + ' · ' + t.description, 'late');
    });
    empty('d-breaches', '暂无超时报修');
  }, refused('desk-result'));
}

function answerEnquiry(id, reply, confirm) {
  bank('AnswerParkEnquiry', { enquiryId: id, reply: reply, confirmViewing: confirm }).then(function (r) {
    if (answer(r, 'answerParkEnquiry', 'ParkEnquiry', 'desk-result')) {
      $('desk-result').textContent = '已回复';
      loadDesk();
    }
  }, refused('desk-result'));
}

function start() {
  Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (t) {
    t.onclick = function () { showTab(t.getAttribute('data-tab')); };
  });
  $('search').onclick = function () { search(false); };
  $('more').onclick = function () { search(true); };
  $('enquiry-send').onclick = sendEnquiry;
  $('r-file').onclick = fileTicket;
  $('r-photo').onclick = addPhoto;
  $('a-type').onchange = function () {
    drawForm((state.affairTypes || []).filter(function (t) { return t.id === $('a-type').value; })[0]);
  };
  $('a-apply').onclick = applyAffair;
  $('f-apply').onclick = applyFinancing;
  $('open-payroll').onclick = function () {
    sa.navigateToMiniProgram({ bankApp: 'payroll' }).catch(refused('services-result'));
  };
  $('d-park').onchange = loadDesk;
  $('enterprise').onchange = function () { state.enterprise = $('enterprise').value; loadEnquiries(); };
  bank('ParksHome').then(function (r) {
    var home = r.data || {};
    (home.myEnterprises || []).forEach(function (e) {
      var option = document.createElement('option');
      option.value = e.id;
      option.textContent = e.name;
      $('enterprise').appendChild(option);
    });
    state.enterprise = $('enterprise').value || null;
    (home.parks || []).forEach(function (p) {
      var option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.name + '（' + p.city + '）';
      $('f-park').appendChild(option);
    });
    (home.myParks || []).forEach(function (p) {
      var option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.name;
      $('d-park').appendChild(option);
    });
    $('desk-tab').hidden = !(home.myParks || []).length;
    showTab('find');
    return Promise.all([search(false), loadEnquiries()]);
  }, refused('find-result'));
}

start();
