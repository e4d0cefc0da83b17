// 薪资管家: every call reaches the bank through bankGraphql, by the operations this package
// declares; the container attaches the customer's session and asks for the PIN itself.
var state = { enterprise: null, batch: null };

function $(id) { return document.getElementById(id); }
function say(text) { $('status').textContent = text; }
function yuan(fen) { return (fen / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
function run(operation, variables, extra) {
  var call = { operation: operation, variables: variables || {} };
  if (extra) { for (var k in extra) { call[k] = extra[k]; } }
  return sa.invoke('bankGraphql', call).then(function (result) {
    if (result.errors && result.errors.length) { throw { code: 'GRAPHQL', message: result.errors[0].message }; }
    return result.data;
  });
}
function failed(error) { say('操作未完成：' + (error.message || error.code)); }
var STATUS = { DRAFT: '草稿', SUBMITTED: '待审批', APPROVED: '已审批', DISBURSING: '发放中', COMPLETED: '已完成',
  PARTIALLY_SUCCEEDED: '部分成功', FAILED: '失败', CANCELLED: '已撤销' };

function fileAsBase64(input) {
  return new Promise(function (resolve, reject) {
    var file = input.files[0];
    if (!file) { reject({ message: '请先选择文件' }); return; }
    var reader = new FileReader();
    reader.onload = function () { resolve({ file: file, base64: String(reader.result).split(',')[1] || '' }); };
    reader.onerror = function () { reject({ message: '文件读取失败' }); };
    reader.readAsDataURL(file);
  });
}

function showIssues(issues) {
  var list = $('issues');
  list.textContent = '';
  (issues || []).forEach(function (issue) {
    var item = document.createElement('li');
    item.textContent = '第 ' + issue.row + ' 行 ' + issue.column + '：' + issue.message;
    list.appendChild(item);
  });
}

function showPayslips(slips) {
  var list = $('payslips');
  list.textContent = '';
  if (!slips.length) {
    var none = document.createElement('li');
    none.textContent = '暂无工资条';
    list.appendChild(none);
  }
  slips.forEach(function (s) {
    var item = document.createElement('li');
    item.className = 'slip';
    item.textContent = s.enterpriseName + ' ' + s.period + ' 实发 ¥' + yuan(s.net) + '（应发 ¥' + yuan(s.gross) +
      '，社保 ¥' + yuan(s.socialInsurance) + '，公积金 ¥' + yuan(s.housingFund) + '，个税 ¥' + yuan(s.incomeTax) +
      '），已发放到尾号 ' + s.accountLast4 + ' 的账户';
    list.appendChild(item);
  });
}

function loadPending() {
  return run('PayrollBatches', { enterpriseId: state.enterprise.id }).then(function (data) {
    var list = $('pending');
    list.textContent = '';
    var batches = (data.payrollBatches.batches || []).filter(function (b) { return b.status === 'SUBMITTED'; });
    if (!batches.length) { list.textContent = '暂无待审批批次'; }
    batches.forEach(function (b) {
      var item = document.createElement('li');
      item.textContent = b.period + ' 共 ' + b.lineCount + ' 人，实发合计 ¥' + yuan(b.totalNet) + ' ';
      var approve = document.createElement('button');
      approve.type = 'button';
      approve.className = 'approve';
      approve.textContent = '审批通过';
      approve.onclick = function () {
        run('ApproveBatch', { batchId: b.id }, { pin: true, purpose: '审批 ' + b.period + ' 工资批次' })
          .then(function (result) {
            var answer = result.approvePayrollBatch;
            if (answer.__typename !== 'PayrollBatch') { say(answer.message); return; }
            say('已审批：' + b.period + ' 工资批次' + STATUS[answer.status] + '，正在发放');
            return loadPending();
          }, failed);
      };
      item.appendChild(approve);
      list.appendChild(item);
    });
  });
}

$('roster-import').onclick = function () {
  fileAsBase64($('roster-file')).then(function (chosen) {
    return run('ImportRoster', { enterpriseId: state.enterprise.id, fileBase64: chosen.base64 });
  }).then(function (data) {
    var answer = data.importPayrollRoster;
    showIssues(answer.issues);
    if (answer.__typename === 'PayrollRosterPreview') {
      say('花名册已导入：新增 ' + answer.newEmployees + ' 人');
    } else { say(answer.message); }
  }, failed);
};

$('batch-upload').onclick = function () {
  var period = $('period').value;
  fileAsBase64($('batch-file')).then(function (chosen) {
    var key = 'page-' + period + '-' + chosen.file.size + '-' + chosen.file.lastModified;
    return run('UploadBatch', { enterpriseId: state.enterprise.id, period: period, idempotencyKey: key,
                                fileBase64: chosen.base64 });
  }).then(function (data) {
    var answer = data.uploadPayrollBatch;
    showIssues(answer.issues);
    if (answer.__typename !== 'PayrollBatch') { say(answer.message); return; }
    state.batch = answer;
    $('batch-totals').textContent = answer.period + ' 共 ' + answer.lineCount + ' 人：应发 ¥' + yuan(answer.totalGross) +
      '，扣款 ¥' + yuan(answer.totalDeductions) + '，实发 ¥' + yuan(answer.totalNet);
    $('batch-review').hidden = false;
    say('工资表已上传，请核对总额');
  }, failed);
};

$('batch-submit').onclick = function () {
  run('SubmitBatch', { batchId: state.batch.id }).then(function (data) {
    var answer = data.submitPayrollBatch;
    if (answer.__typename !== 'PayrollBatch') { say(answer.message); return; }
    $('batch-review').hidden = true;
    say('已提交审批');
  }, failed);
};

run('PayrollHome').then(function (data) {
  showPayslips(data.myPayslips);
  var enterprises = data.myEnterprises.filter(function (e) { return e.myRoles.length; });
  state.enterprise = enterprises[0] || null;
  if (state.enterprise) {
    $('enterprise-name').textContent = state.enterprise.name;
    var roles = state.enterprise.myRoles;
    $('maker').hidden = roles.indexOf('MAKER') < 0;
    $('checker').hidden = roles.indexOf('CHECKER') < 0;
    if (roles.indexOf('CHECKER') >= 0) { return loadPending().then(function () { say('就绪'); }); }
  }
  say('就绪');
}, failed);
