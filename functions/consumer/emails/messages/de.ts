import type { EmailMessages, RecurringInterval } from './types';

const units: Readonly<Record<RecurringInterval, readonly [one: string, many: string]>> = {
  day: ['Tag', 'Tage'],
  week: ['Woche', 'Wochen'],
  month: ['Monat', 'Monate'],
  year: ['Jahr', 'Jahre'],
};

const forInvoice = (invoiceNumber: string | null) => (invoiceNumber ? ` für die Rechnung ${invoiceNumber}` : '');

export const de: EmailMessages = {
  greeting: (name) => (name ? `Guten Tag ${name},` : 'Guten Tag,'),
  labelSeparator: ': ',
  itemsHeading: 'Positionen',
  recurringPrice: (amount, interval, count) =>
    count === 1 ? `${amount} pro ${units[interval][0]}` : `${amount} alle ${count} ${units[interval][1]}`,
  pricesSeparator: ' + ',
  footer: {
    sentBy: (businessName) => `Diese E-Mail wurde Ihnen von ${businessName} gesendet.`,
    contact: ['Fragen? Schreiben Sie uns an ', '.'],
  },

  invoiceReceipt: {
    subject: (invoiceNumber, amountPaid) =>
      invoiceNumber ? `Zahlungsbeleg für Rechnung ${invoiceNumber} — ${amountPaid}` : `Zahlungsbeleg — ${amountPaid}`,
    lead: (invoiceNumber) =>
      invoiceNumber
        ? `Vielen Dank für Ihre Zahlung. Dies ist Ihr Zahlungsbeleg für die Rechnung ${invoiceNumber}.`
        : 'Vielen Dank für Ihre Zahlung. Dies ist Ihr Zahlungsbeleg.',
    amountPaid: 'Gezahlter Betrag',
    invoiceNumber: 'Rechnungsnummer',
    datePaid: 'Zahlungsdatum',
    viewInvoice: 'Rechnung ansehen',
    downloadPdf: 'PDF herunterladen',
    closing: 'Bitte bewahren Sie diese E-Mail für Ihre Unterlagen auf.',
  },

  checkoutConfirmation: {
    subject: (total) => (total ? `Bestellbestätigung — ${total}` : 'Bestellbestätigung'),
    leads: {
      paid: 'Vielen Dank für Ihre Bestellung. Ihre Zahlung war erfolgreich.',
      unpaid: 'Vielen Dank für Ihre Bestellung. Wir benachrichtigen Sie, sobald Ihre Zahlung verarbeitet wurde.',
      no_payment_required: 'Vielen Dank für Ihre Bestellung.',
    },
    amountPaid: 'Gezahlter Betrag',
    orderTotal: 'Bestellsumme',
    orderDate: 'Bestelldatum',
    closing: 'Bitte bewahren Sie diese E-Mail für Ihre Unterlagen auf.',
  },

  paymentFailed: {
    subject: (amountDue, invoiceNumber) =>
      invoiceNumber
        ? `Zahlung für Rechnung ${invoiceNumber} fehlgeschlagen — ${amountDue}`
        : `Zahlung fehlgeschlagen — ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Ihre Zahlung über ${amountDue}${forInvoice(invoiceNumber)} konnte leider nicht eingezogen werden.`,
    amountDue: 'Fälliger Betrag',
    invoiceNumber: 'Rechnungsnummer',
    attempts: 'Zahlungsversuche',
    attemptCount: (count) => String(count),
    nextAttempt: 'Nächster Versuch',
    willRetry: (date) =>
      `Wir versuchen es am ${date} erneut. Bitte prüfen Sie, ob Ihre Zahlungsmethode aktuell ist, oder begleichen Sie die Rechnung jetzt.`,
    noRetry: 'Es erfolgt kein weiterer automatischer Zahlungsversuch. Bitte begleichen Sie die Rechnung selbst.',
    payInvoice: 'Rechnung bezahlen',
    closing: 'Falls Sie bereits bezahlt haben, betrachten Sie diese E-Mail bitte als gegenstandslos.',
  },

  paymentActionRequired: {
    subject: (amountDue) => `Aktion erforderlich: Bitte bestätigen Sie Ihre Zahlung über ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Ihre Bank bittet Sie, Ihre Zahlung über ${amountDue}${forInvoice(invoiceNumber)} zu bestätigen.`,
    instructions:
      'Öffnen Sie dazu die Rechnung und bestätigen Sie die Zahlung bei Ihrer Bank (zum Beispiel mit 3-D Secure).',
    amountDue: 'Fälliger Betrag',
    invoiceNumber: 'Rechnungsnummer',
    completePayment: 'Zahlung abschließen',
    closing: 'Vielen Dank.',
  },

  refundNotice: {
    subject: (amountRefunded) => `Erstattung über ${amountRefunded}`,
    leadFull: (amount) => `Wir haben Ihre Zahlung über ${amount} vollständig erstattet.`,
    leadPartial: (amountRefunded, amount) => `Wir haben ${amountRefunded} Ihrer Zahlung über ${amount} erstattet.`,
    leadRefunded: (amountRefunded) => `Wir haben ${amountRefunded} Ihrer Zahlung erstattet.`,
    timing: 'Je nach Bank kann es 5 bis 10 Werktage dauern, bis die Erstattung auf Ihrem Kontoauszug erscheint.',
    amountRefunded: 'Erstatteter Betrag',
    originalPayment: 'Ursprüngliche Zahlung',
    paymentDate: 'Zahlungsdatum',
    description: 'Beschreibung',
    viewReceipt: 'Beleg ansehen',
    closing: 'Bitte bewahren Sie diese E-Mail für Ihre Unterlagen auf.',
  },

  trialEnding: {
    subject: (trialEnd) => (trialEnd ? `Ihr Testzeitraum endet am ${trialEnd}` : 'Ihr Testzeitraum endet bald'),
    lead: (trialEnd) =>
      trialEnd ? `Ihr kostenloser Testzeitraum endet am ${trialEnd}.` : 'Ihr kostenloser Testzeitraum endet bald.',
    continuesAt: (price) => `Danach läuft Ihr Abonnement zum Preis von ${price} weiter.`,
    continues: 'Danach läuft Ihr Abonnement automatisch weiter.',
    cancelHint: 'Wenn Sie nicht fortfahren möchten, können Sie vor dem Ende des Testzeitraums kündigen.',
    plan: 'Tarif',
    trialEnds: 'Ende des Testzeitraums',
    priceAfterTrial: 'Preis nach dem Testzeitraum',
    closing: 'Vielen Dank für Ihr Interesse.',
  },

  subscriptionEnded: {
    subject: 'Ihr Abonnement wurde beendet',
    lead: (endDate) => (endDate ? `Ihr Abonnement wurde am ${endDate} beendet.` : 'Ihr Abonnement wurde beendet.'),
    body: 'Dafür fallen keine weiteren Kosten an. Sie können jederzeit wieder ein Abonnement abschließen.',
    plan: 'Tarif',
    endDate: 'Enddatum',
    closing: 'Vielen Dank für Ihr Vertrauen.',
  },

  renewalReminder: {
    subject: (amountDue, date) =>
      date
        ? `Ihr Abonnement verlängert sich am ${date} — ${amountDue}`
        : `Ihr Abonnement verlängert sich demnächst — ${amountDue}`,
    lead: (date, amountDue) =>
      `Wir möchten Sie daran erinnern, dass sich Ihr Abonnement ${date ? `am ${date}` : 'demnächst'} verlängert. Der fällige Betrag beläuft sich auf ${amountDue}.`,
    noAction: 'Wenn Ihre Zahlungsdaten aktuell sind, müssen Sie nichts weiter tun.',
    amountDue: 'Fälliger Betrag',
    renewalDate: 'Verlängerungsdatum',
    viewInvoice: 'Rechnung ansehen',
    closing: 'Vielen Dank für Ihr Vertrauen.',
  },
};
