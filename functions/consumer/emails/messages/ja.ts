import type { EmailMessages, RecurringInterval } from './types';

// Japanese price lists write a recurring price as "¥2,000／月", "¥5,000／3か月".
const per: Readonly<Record<RecurringInterval, readonly [one: string, many: (count: number) => string]>> = {
  day: ['日', (count) => `${count}日`],
  week: ['週', (count) => `${count}週間`],
  month: ['月', (count) => `${count}か月`],
  year: ['年', (count) => `${count}年`],
};

const ofInvoice = (invoiceNumber: string | null) => (invoiceNumber ? `請求書 ${invoiceNumber} の` : '');

export const ja: EmailMessages = {
  greeting: (name) => (name ? `${name} 様` : 'お客様'),
  labelSeparator: '：',
  itemsHeading: '明細',
  recurringPrice: (amount, interval, count) => `${amount}／${count === 1 ? per[interval][0] : per[interval][1](count)}`,
  pricesSeparator: ' ＋ ',
  footer: {
    sentBy: (businessName) => `このメールは${businessName}からお送りしています。`,
    // A space after the address, so that a plain-text client's auto-link does not swallow the next word.
    contact: ['ご不明な点がございましたら、', ' までお問い合わせください。'],
  },

  invoiceReceipt: {
    subject: (invoiceNumber, amountPaid) =>
      invoiceNumber ? `請求書 ${invoiceNumber} の領収書（${amountPaid}）` : `領収書（${amountPaid}）`,
    lead: (invoiceNumber) =>
      invoiceNumber
        ? `お支払いいただき、ありがとうございます。請求書 ${invoiceNumber} の領収書をお送りします。`
        : 'お支払いいただき、ありがとうございます。領収書をお送りします。',
    amountPaid: 'お支払い金額',
    invoiceNumber: '請求書番号',
    datePaid: 'お支払い日',
    viewInvoice: '請求書を表示',
    downloadPdf: 'PDF をダウンロード',
    closing: 'このメールは控えとして大切に保管してください。',
  },

  checkoutConfirmation: {
    subject: (total) => (total ? `ご注文の確認（${total}）` : 'ご注文の確認'),
    leads: {
      paid: 'ご注文いただき、ありがとうございます。お支払いが完了しました。',
      unpaid: 'ご注文いただき、ありがとうございます。お支払いの処理が完了しましたら、改めてお知らせいたします。',
      no_payment_required: 'ご注文いただき、ありがとうございます。',
    },
    amountPaid: 'お支払い金額',
    orderTotal: 'ご注文合計',
    orderDate: 'ご注文日',
    closing: 'このメールは控えとして大切に保管してください。',
  },

  paymentFailed: {
    subject: (amountDue, invoiceNumber) =>
      invoiceNumber
        ? `請求書 ${invoiceNumber} のお支払いができませんでした（${amountDue}）`
        : `お支払いができませんでした（${amountDue}）`,
    lead: (amountDue, invoiceNumber) => `${ofInvoice(invoiceNumber)}お支払い（${amountDue}）を処理できませんでした。`,
    amountDue: 'ご請求金額',
    invoiceNumber: '請求書番号',
    attempts: '決済の試行回数',
    attemptCount: (count) => `${count}回`,
    nextAttempt: '次回の決済日',
    willRetry: (date) =>
      `${date}に再度お支払いを試みます。お支払い方法が最新であることをご確認いただくか、今すぐ請求書をお支払いください。`,
    noRetry: '今後、自動でのお支払いの再試行は行われません。お手数ですが、請求書のお支払いをお願いいたします。',
    payInvoice: '請求書を支払う',
    closing: 'すでにお支払いいただいている場合は、このメールは破棄してください。',
  },

  paymentActionRequired: {
    subject: (amountDue) => `お支払いの確認をお願いします（${amountDue}）`,
    lead: (amountDue, invoiceNumber) =>
      `${ofInvoice(invoiceNumber)}お支払い（${amountDue}）について、ご利用の銀行から本人確認が求められています。`,
    instructions: '請求書を開き、銀行の認証（3-D セキュアなど）を行ってお支払いを完了してください。',
    amountDue: 'ご請求金額',
    invoiceNumber: '請求書番号',
    completePayment: 'お支払いを完了する',
    closing: 'どうぞよろしくお願いいたします。',
  },

  refundNotice: {
    subject: (amountRefunded) => `返金のお知らせ（${amountRefunded}）`,
    leadFull: (amount) => `お支払い（${amount}）の全額を返金いたしました。`,
    leadPartial: (amountRefunded, amount) => `お支払い（${amount}）のうち、${amountRefunded} を返金いたしました。`,
    leadRefunded: (amountRefunded) => `お支払いのうち、${amountRefunded} を返金いたしました。`,
    timing: 'ご利用の銀行によっては、明細に反映されるまで 5～10 営業日ほどかかる場合があります。',
    amountRefunded: '返金額',
    originalPayment: '元のお支払い金額',
    paymentDate: 'お支払い日',
    description: '内容',
    viewReceipt: '領収書を表示',
    closing: 'このメールは控えとして大切に保管してください。',
  },

  trialEnding: {
    subject: (trialEnd) =>
      trialEnd ? `無料トライアルは${trialEnd}に終了します` : '無料トライアルはまもなく終了します',
    lead: (trialEnd) =>
      trialEnd ? `無料トライアル期間は${trialEnd}に終了します。` : '無料トライアル期間はまもなく終了します。',
    continuesAt: (price) => `終了後は ${price} でサブスクリプションが継続されます。`,
    continues: '終了後は、サブスクリプションが自動的に継続されます。',
    cancelHint: '継続を希望されない場合は、トライアル期間の終了前に解約してください。',
    plan: 'プラン',
    trialEnds: 'トライアル終了日',
    priceAfterTrial: 'トライアル終了後の料金',
    closing: 'ご利用いただき、ありがとうございます。',
  },

  subscriptionEnded: {
    subject: 'サブスクリプションが終了しました',
    lead: (endDate) =>
      endDate ? `サブスクリプションは${endDate}に終了しました。` : 'サブスクリプションは終了しました。',
    body: '今後、このサブスクリプションの料金が請求されることはありません。またのご利用をお待ちしております。',
    plan: 'プラン',
    endDate: '終了日',
    closing: 'これまでご利用いただき、誠にありがとうございました。',
  },

  renewalReminder: {
    subject: (amountDue, date) =>
      date
        ? `サブスクリプション更新のお知らせ（${date}・${amountDue}）`
        : `サブスクリプション更新のお知らせ（${amountDue}）`,
    lead: (date, amountDue) =>
      `ご利用中のサブスクリプションは${date ? `${date}に` : '近日中に'}更新されます。お支払い金額は ${amountDue} です。`,
    noAction: 'お支払い情報が最新であれば、お手続きは不要です。',
    amountDue: 'お支払い金額',
    renewalDate: '更新日',
    viewInvoice: '請求書を表示',
    closing: '今後ともよろしくお願いいたします。',
  },
};
