-- LOS (loan origination): applications, the people standing behind a borrower, and which
-- collateral secures which loan.
CREATE TABLE IF NOT EXISTS loan_application (
    application_id varchar(20) PRIMARY KEY,
    cif varchar(20) NOT NULL,
    product_type varchar(32) NOT NULL,
    requested_amount numeric(18, 2) NOT NULL,
    status varchar(16) NOT NULL,
    -- Set once the application is disbursed as a T24 arrangement.
    account_number varchar(32),
    submitted_at timestamptz NOT NULL,
    decided_at timestamptz
);
CREATE TABLE IF NOT EXISTS reference_customer (
    id bigint PRIMARY KEY,
    application_id varchar(20),
    primary_cif varchar(20) NOT NULL,
    ref_cif varchar(20) NOT NULL,
    relationship_type varchar(32) NOT NULL,
    name text NOT NULL,
    national_id varchar(20),
    phone varchar(20),
    email varchar(128),
    address text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (primary_cif, ref_cif)
);
CREATE TABLE IF NOT EXISTS loan_collateral (
    account_number varchar(32) NOT NULL,
    collateral_number varchar(32) NOT NULL,
    cif varchar(20) NOT NULL,
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_number, collateral_number)
);
ALTER TABLE loan_application REPLICA IDENTITY FULL;
ALTER TABLE reference_customer REPLICA IDENTITY FULL;
ALTER TABLE loan_collateral REPLICA IDENTITY FULL;
