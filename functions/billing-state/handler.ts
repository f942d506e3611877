/** Lambda entry of the billing sync function (the construct bundles this file). */
import { createBillingSyncHandler } from './sync-handler';

export const handler = createBillingSyncHandler();
