import type { EmailMessages, RecurringInterval } from './types';

// French typography puts a no-break space before ':', '?' and '!'.
const nbsp = '\u00a0';

const every: Readonly<Record<RecurringInterval, readonly [one: string, many: (count: number) => string]>> = {
  day: ['par jour', (count) => `tous les ${count}${nbsp}jours`],
  week: ['par semaine', (count) => `toutes les ${count}${nbsp}semaines`],
  month: ['par mois', (count) => `tous les ${count}${nbsp}mois`],
  year: ['par an', (count) => `tous les ${count}${nbsp}ans`],
};

const forInvoice = (invoiceNumber: string | null) => (invoiceNumber ? ` pour la facture ${invoiceNumber}` : '');

export const fr: EmailMessages = {
  greeting: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
  labelSeparator: `${nbsp}: `,
  itemsHeading: 'Articles',
  recurringPrice: (amount, interval, count) =>
    `${amount} ${count === 1 ? every[interval][0] : every[interval][1](count)}`,
  pricesSeparator: ' + ',
  footer: {
    sentBy: (businessName) => `Cet e-mail vous a été envoyé par ${businessName}.`,
    contact: [`Une question${nbsp}? Écrivez-nous à `, '.'],
  },

  invoiceReceipt: {
    subject: (invoiceNumber, amountPaid) =>
      invoiceNumber ? `Reçu de la facture ${invoiceNumber} — ${amountPaid}` : `Reçu — ${amountPaid}`,
    lead: (invoiceNumber) =>
      invoiceNumber
        ? `Merci pour votre paiement. Voici votre reçu pour la facture ${invoiceNumber}.`
        : 'Merci pour votre paiement. Voici votre reçu.',
    amountPaid: 'Montant payé',
    invoiceNumber: 'Numéro de facture',
    datePaid: 'Date du paiement',
    viewInvoice: 'Voir votre facture',
    downloadPdf: 'Télécharger le PDF',
    closing: 'Nous vous invitons à conserver cet e-mail.',
  },

  checkoutConfirmation: {
    subject: (total) => (total ? `Confirmation de commande — ${total}` : 'Confirmation de commande'),
    leads: {
      paid: 'Merci pour votre commande. Votre paiement a bien été effectué.',
      unpaid: 'Merci pour votre commande. Nous vous informerons dès que votre paiement aura été traité.',
      no_payment_required: 'Merci pour votre commande.',
    },
    amountPaid: 'Montant payé',
    orderTotal: 'Total de la commande',
    orderDate: 'Date de la commande',
    closing: 'Nous vous invitons à conserver cet e-mail.',
  },

  paymentFailed: {
    subject: (amountDue, invoiceNumber) =>
      invoiceNumber
        ? `Échec du paiement de la facture ${invoiceNumber} — ${amountDue}`
        : `Échec du paiement — ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Nous n’avons pas pu encaisser votre paiement de ${amountDue}${forInvoice(invoiceNumber)}.`,
    amountDue: 'Montant dû',
    invoiceNumber: 'Numéro de facture',
    attempts: 'Tentatives de paiement',
    attemptCount: (count) => String(count),
    nextAttempt: 'Prochaine tentative',
    willRetry: (date) =>
      `Nous réessaierons le ${date}. Merci de vérifier que votre moyen de paiement est à jour, ou de régler la facture dès maintenant.`,
    noRetry:
      'Aucune nouvelle tentative automatique ne sera effectuée. Merci de régler la facture pour solder votre compte.',
    payInvoice: 'Régler la facture',
    closing: 'Si vous avez déjà réglé cette facture, veuillez ne pas tenir compte de cet e-mail.',
  },

  paymentActionRequired: {
    subject: (amountDue) => `Action requise${nbsp}: confirmez votre paiement de ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Votre banque vous demande de confirmer votre paiement de ${amountDue}${forInvoice(invoiceNumber)}.`,
    instructions:
      'Pour le finaliser, ouvrez la facture et confirmez le paiement auprès de votre banque (par exemple avec 3-D Secure).',
    amountDue: 'Montant dû',
    invoiceNumber: 'Numéro de facture',
    completePayment: 'Finaliser le paiement',
    closing: 'Nous vous remercions.',
  },

  refundNotice: {
    subject: (amountRefunded) => `Remboursement de ${amountRefunded}`,
    leadFull: (amount) => `Nous avons remboursé l’intégralité de votre paiement de ${amount}.`,
    leadPartial: (amountRefunded, amount) => `Nous avons remboursé ${amountRefunded} sur votre paiement de ${amount}.`,
    leadRefunded: (amountRefunded) => `Nous avons remboursé ${amountRefunded} sur votre paiement.`,
    timing: 'Selon votre banque, le remboursement peut mettre 5 à 10 jours ouvrés à apparaître sur votre relevé.',
    amountRefunded: 'Montant remboursé',
    originalPayment: 'Paiement initial',
    paymentDate: 'Date du paiement',
    description: 'Description',
    viewReceipt: 'Voir le reçu',
    closing: 'Nous vous invitons à conserver cet e-mail.',
  },

  trialEnding: {
    subject: (trialEnd) =>
      trialEnd ? `Votre période d’essai se termine le ${trialEnd}` : 'Votre période d’essai se termine bientôt',
    lead: (trialEnd) =>
      trialEnd
        ? `Votre période d’essai gratuite se termine le ${trialEnd}.`
        : 'Votre période d’essai gratuite se termine bientôt.',
    continuesAt: (price) => `Votre abonnement se poursuivra ensuite au tarif de ${price}.`,
    continues: 'Votre abonnement se poursuivra ensuite automatiquement.',
    cancelHint: 'Si vous ne souhaitez pas continuer, vous pouvez résilier avant la fin de la période d’essai.',
    plan: 'Formule',
    trialEnds: 'Fin de la période d’essai',
    priceAfterTrial: 'Tarif après l’essai',
    closing: 'Merci de votre confiance.',
  },

  subscriptionEnded: {
    subject: 'Votre abonnement a pris fin',
    lead: (endDate) => (endDate ? `Votre abonnement a pris fin le ${endDate}.` : 'Votre abonnement a pris fin.'),
    body: 'Il ne vous sera plus facturé. Vous pouvez vous réabonner à tout moment.',
    plan: 'Formule',
    endDate: 'Date de fin',
    closing: 'Merci pour votre fidélité.',
  },

  renewalReminder: {
    subject: (amountDue, date) =>
      date
        ? `Votre abonnement sera renouvelé le ${date} — ${amountDue}`
        : `Votre abonnement sera bientôt renouvelé — ${amountDue}`,
    lead: (date, amountDue) =>
      `Nous vous rappelons que votre abonnement sera ${date ? `renouvelé le ${date}` : 'bientôt renouvelé'}. Le montant dû sera de ${amountDue}.`,
    noAction: 'Si vos informations de paiement sont à jour, vous n’avez rien à faire.',
    amountDue: 'Montant dû',
    renewalDate: 'Date de renouvellement',
    viewInvoice: 'Voir la facture',
    closing: 'Merci de votre confiance.',
  },
};
