import type { EmailMessages, RecurringInterval } from './types';

const units: Readonly<Record<RecurringInterval, readonly [one: string, many: string]>> = {
  day: ['al día', 'días'],
  week: ['a la semana', 'semanas'],
  month: ['al mes', 'meses'],
  year: ['al año', 'años'],
};

const forInvoice = (invoiceNumber: string | null) =>
  invoiceNumber ? ` correspondiente a la factura ${invoiceNumber}` : '';

export const es: EmailMessages = {
  // A Spanish letter opens with a colon.
  greeting: (name) => (name ? `Hola, ${name}:` : 'Hola:'),
  labelSeparator: ': ',
  itemsHeading: 'Artículos',
  recurringPrice: (amount, interval, count) =>
    count === 1 ? `${amount} ${units[interval][0]}` : `${amount} cada ${count} ${units[interval][1]}`,
  pricesSeparator: ' + ',
  footer: {
    sentBy: (businessName) => `Este correo electrónico le ha sido enviado por ${businessName}.`,
    contact: ['¿Tiene alguna pregunta? Escríbanos a ', '.'],
  },

  invoiceReceipt: {
    subject: (invoiceNumber, amountPaid) =>
      invoiceNumber ? `Recibo de la factura ${invoiceNumber} — ${amountPaid}` : `Recibo — ${amountPaid}`,
    lead: (invoiceNumber) =>
      invoiceNumber
        ? `Gracias por su pago. Le enviamos el recibo de la factura ${invoiceNumber}.`
        : 'Gracias por su pago. Le enviamos su recibo.',
    amountPaid: 'Importe pagado',
    invoiceNumber: 'Número de factura',
    datePaid: 'Fecha de pago',
    viewInvoice: 'Ver la factura',
    downloadPdf: 'Descargar PDF',
    closing: 'Le recomendamos conservar este correo para sus registros.',
  },

  checkoutConfirmation: {
    subject: (total) => (total ? `Confirmación del pedido — ${total}` : 'Confirmación del pedido'),
    leads: {
      paid: 'Gracias por su pedido. Su pago se ha realizado correctamente.',
      unpaid: 'Gracias por su pedido. Le avisaremos en cuanto se haya procesado su pago.',
      no_payment_required: 'Gracias por su pedido.',
    },
    amountPaid: 'Importe pagado',
    orderTotal: 'Total del pedido',
    orderDate: 'Fecha del pedido',
    closing: 'Le recomendamos conservar este correo para sus registros.',
  },

  paymentFailed: {
    subject: (amountDue, invoiceNumber) =>
      invoiceNumber
        ? `No se pudo cobrar la factura ${invoiceNumber} — ${amountDue}`
        : `No se pudo realizar el cobro — ${amountDue}`,
    lead: (amountDue, invoiceNumber) => `No hemos podido cobrar su pago de ${amountDue}${forInvoice(invoiceNumber)}.`,
    amountDue: 'Importe pendiente',
    invoiceNumber: 'Número de factura',
    attempts: 'Intentos de cobro',
    attemptCount: (count) => String(count),
    nextAttempt: 'Próximo intento',
    willRetry: (date) =>
      `Volveremos a intentarlo el ${date}. Compruebe que su método de pago esté actualizado o pague la factura ahora.`,
    noRetry: 'No volveremos a intentar el cobro automáticamente. Le rogamos que pague la factura para saldarla.',
    payInvoice: 'Pagar la factura',
    closing: 'Si ya ha realizado el pago, puede ignorar este correo.',
  },

  paymentActionRequired: {
    subject: (amountDue) => `Acción necesaria: confirme su pago de ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Su banco le solicita que confirme su pago de ${amountDue}${forInvoice(invoiceNumber)}.`,
    instructions:
      'Para completarlo, abra la factura y confirme el pago con su banco (por ejemplo, mediante 3-D Secure).',
    amountDue: 'Importe pendiente',
    invoiceNumber: 'Número de factura',
    completePayment: 'Completar el pago',
    closing: 'Muchas gracias.',
  },

  refundNotice: {
    subject: (amountRefunded) => `Reembolso de ${amountRefunded}`,
    leadFull: (amount) => `Hemos reembolsado la totalidad de su pago de ${amount}.`,
    leadPartial: (amountRefunded, amount) => `Hemos reembolsado ${amountRefunded} de su pago de ${amount}.`,
    leadRefunded: (amountRefunded) => `Hemos reembolsado ${amountRefunded} de su pago.`,
    timing: 'Según su banco, el reembolso puede tardar entre 5 y 10 días hábiles en aparecer en su extracto.',
    amountRefunded: 'Importe reembolsado',
    originalPayment: 'Pago original',
    paymentDate: 'Fecha del pago',
    description: 'Descripción',
    viewReceipt: 'Ver el recibo',
    closing: 'Le recomendamos conservar este correo para sus registros.',
  },

  trialEnding: {
    subject: (trialEnd) =>
      trialEnd ? `Su periodo de prueba termina el ${trialEnd}` : 'Su periodo de prueba termina pronto',
    lead: (trialEnd) =>
      trialEnd
        ? `Su periodo de prueba gratuito termina el ${trialEnd}.`
        : 'Su periodo de prueba gratuito termina pronto.',
    continuesAt: (price) => `A continuación, su suscripción continuará con un precio de ${price}.`,
    continues: 'A continuación, su suscripción continuará automáticamente.',
    cancelHint: 'Si no desea continuar, puede cancelarla antes de que termine el periodo de prueba.',
    plan: 'Plan',
    trialEnds: 'Fin del periodo de prueba',
    priceAfterTrial: 'Precio tras la prueba',
    closing: 'Gracias por probar nuestro servicio.',
  },

  subscriptionEnded: {
    subject: 'Su suscripción ha finalizado',
    lead: (endDate) => (endDate ? `Su suscripción finalizó el ${endDate}.` : 'Su suscripción ha finalizado.'),
    body: 'No se le volverá a cobrar por ella. Puede volver a suscribirse cuando lo desee.',
    plan: 'Plan',
    endDate: 'Fecha de finalización',
    closing: 'Gracias por haber confiado en nosotros.',
  },

  renewalReminder: {
    subject: (amountDue, date) =>
      date ? `Su suscripción se renueva el ${date} — ${amountDue}` : `Su suscripción se renueva pronto — ${amountDue}`,
    lead: (date, amountDue) =>
      `Le recordamos que su suscripción se renovará ${date ? `el ${date}` : 'pronto'}. El importe a pagar será de ${amountDue}.`,
    noAction: 'Si sus datos de pago están actualizados, no tiene que hacer nada.',
    amountDue: 'Importe a pagar',
    renewalDate: 'Fecha de renovación',
    viewInvoice: 'Ver la factura',
    closing: 'Gracias por su confianza.',
  },
};
