-- W4 (OpenWay Way4) card management: plain relational tables with UPPER_SNAKE columns.
-- AMND_DATE is Way4's "last amended" stamp; the CRM orders changes by commit time instead.
CREATE TABLE IF NOT EXISTS "CARD_CONTRACT" (
    "CONTRACT_NUMBER" varchar(32) PRIMARY KEY,
    "CLIENT_CIF" varchar(20) NOT NULL,
    "PRODUCT_CODE" varchar(32) NOT NULL,
    "CURRENCY" char(3) NOT NULL,
    "CREDIT_LIMIT" numeric(18, 2) NOT NULL,
    "OUTSTANDING" numeric(18, 2) NOT NULL,
    "TOTAL_DUE" numeric(18, 2) NOT NULL,
    "MIN_PAY" numeric(18, 2) NOT NULL,
    "DUE_DATE" date,
    "DPD" integer NOT NULL,
    -- ACTIVE, BLOCKED (both still owe: an OPEN loan for the CRM) or CLOSED
    "CONTRACT_STATUS" varchar(16) NOT NULL,
    "OPEN_DATE" date,
    "CLOSE_DATE" date,
    "AMND_DATE" timestamp NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "CARD_CONTRACT_CLIENT" ON "CARD_CONTRACT" ("CLIENT_CIF");
-- Card holders' contacts. CONTACT_TYPE is a phone type (MOBILE2, WORK, ...) or EMAIL.
CREATE TABLE IF NOT EXISTS "CLIENT_CONTACT" (
    "CONTACT_ID" bigint PRIMARY KEY,
    "CLIENT_CIF" varchar(20) NOT NULL,
    "CONTACT_TYPE" varchar(16) NOT NULL,
    "CONTACT_VALUE" varchar(256) NOT NULL,
    "IS_VERIFIED" char(1) NOT NULL DEFAULT 'N',
    "AMND_DATE" timestamp NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "CLIENT_CONTACT_CLIENT" ON "CLIENT_CONTACT" ("CLIENT_CIF");
ALTER TABLE "CARD_CONTRACT" REPLICA IDENTITY FULL;
ALTER TABLE "CLIENT_CONTACT" REPLICA IDENTITY FULL;
