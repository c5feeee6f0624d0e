-- T24 (Temenos Transact) as its database stores it: every table is RECID + XMLRECORD, the
-- record's fields by position (<c1>, <c7 m="2">). Field positions: connectors/t24/field_maps.yaml.
-- REPLICA IDENTITY FULL: a delete must carry the whole record (Oracle: supplemental logging)
-- so the CRM learns which customer a deleted loan or bill belonged to.
CREATE TABLE IF NOT EXISTS "FBNK_CUSTOMER" (
    "RECID" varchar(35) PRIMARY KEY,
    "XMLRECORD" text NOT NULL
);
CREATE TABLE IF NOT EXISTS "FBNK_AA_ARRANGEMENT" (
    "RECID" varchar(35) PRIMARY KEY,
    "XMLRECORD" text NOT NULL
);
CREATE TABLE IF NOT EXISTS "FBNK_COLLATERAL" (
    "RECID" varchar(35) PRIMARY KEY,
    "XMLRECORD" text NOT NULL
);
-- RECID is <arrangement>-<due date YYYYMMDD>, as T24 keys bills by arrangement and date.
CREATE TABLE IF NOT EXISTS "FBNK_AA_BILL_DETAILS" (
    "RECID" varchar(50) PRIMARY KEY,
    "XMLRECORD" text NOT NULL
);
ALTER TABLE "FBNK_CUSTOMER" REPLICA IDENTITY FULL;
ALTER TABLE "FBNK_AA_ARRANGEMENT" REPLICA IDENTITY FULL;
ALTER TABLE "FBNK_COLLATERAL" REPLICA IDENTITY FULL;
ALTER TABLE "FBNK_AA_BILL_DETAILS" REPLICA IDENTITY FULL;
