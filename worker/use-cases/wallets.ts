import { z } from "zod";
import { ApiError } from "../errors.ts";
import { findUserByEmail } from "../services/auth/accounts.ts";
import { depositReferenceOf, userByDepositReference } from "../services/deposits/reference.ts";
import { type UserLedgerOptions, userLedger } from "../services/ledger/client.ts";
import { amountField, amountMinorOfBody, assetField, refineAmount } from "../services/ledger/request.ts";
import { type Caller, operator, signedIn } from "./caller.ts";

/**
 * Wallets and deposits for the API (worker/api/wallets.ts, ops-ledger.ts) and the Wallet page.
 * The ledger enforces the money rules (the paper faucet's daily cap, exact arithmetic); this
 * layer enforces who may ask and namespaces every client key so that no client key can ever
 * collide with a key the platform uses itself (orders, withdrawals, bots).
 */

export const paperDepositInput = z
  .object({
    asset: assetField,
    amount: amountField,
    /** The client's Idempotency-Key, already namespaced by its door ("api:…", "page:…"). */
    idempotencyKey: z.string().min(1).max(300),
  })
  .superRefine(refineAmount);

export const opsDepositInput = z
  .object({
    email: z
      .string({ message: "must be the user's email address" })
      .max(254)
      .transform((value) => value.trim().toLowerCase())
      .optional(),
    /** The trader's own bank-transfer reference (GET /deposits/reference), instead of the email. */
    depositReference: z.string({ message: "must be the trader's deposit reference" }).max(40).optional(),
    asset: assetField,
    amount: amountField,
    reference: z
      .string({ message: "must be the deposit's outside reference" })
      .trim()
      .min(1, "is required")
      .max(255, "must be at most 255 characters"),
    idempotencyKey: z.string().min(1).max(300),
  })
  .superRefine(refineAmount)
  .superRefine((input, context) => {
    if ((input.email === undefined) === (input.depositReference === undefined)) {
      context.addIssue({
        code: "custom",
        path: [input.email === undefined ? "email" : "depositReference"],
        message: "give either the user's email or their deposit reference, not both",
      });
    }
  });

/** Every asset in both books, zero where nothing moved yet: a wallet is never "not found". */
export async function myWallets(caller: Caller) {
  return userLedger(caller.services.env, signedIn(caller).id).wallets();
}

/** Paper money from the faucet into the paper book only; capped per user per UTC day. */
export async function paperDeposit(
  caller: Caller,
  input: z.infer<typeof paperDepositInput>,
  options: UserLedgerOptions = {},
) {
  const user = signedIn(caller);
  return userLedger(caller.services.env, user.id, options).paperDeposit({
    idempotencyKey: input.idempotencyKey,
    asset: input.asset,
    amountMinor: amountMinorOfBody(input),
  });
}

/**
 * Stands in for the deposit gateway (bank transfer, on-chain deposit) until one is
 * integrated: operators credit a user's LIVE book; the audit row is written in the same batch.
 */
export async function opsDeposit(
  caller: Caller,
  input: z.infer<typeof opsDepositInput>,
  options: UserLedgerOptions = {},
) {
  const { actor } = operator(caller);
  const user =
    input.depositReference !== undefined
      ? await userByDepositReference(caller.services.db, input.depositReference)
      : await findUserByEmail(caller.services, input.email ?? "");
  if (!user) {
    const field = input.depositReference !== undefined ? "depositReference" : "email";
    throw new ApiError(
      404,
      "user_not_found",
      `No user has that ${field === "email" ? "email address" : "deposit reference"}.`,
      {
        fields: { [field]: `no user has this ${field === "email" ? "email address" : "deposit reference"}` },
      },
    );
  }
  const receipt = await userLedger(caller.services.env, user.id, options).opsDeposit({
    idempotencyKey: input.idempotencyKey,
    asset: input.asset,
    amountMinor: amountMinorOfBody(input),
    reference: input.reference,
    audit: { actor, requestId: caller.audit.requestId, ipAddress: caller.audit.ipAddress },
  });
  return { userId: user.id, receipt };
}

/** The trader's own GBP bank-transfer reference for funding the live book. */
export async function myDepositReference(caller: Caller): Promise<{ reference: string }> {
  return { reference: await depositReferenceOf(caller.services.db, signedIn(caller).id) };
}
