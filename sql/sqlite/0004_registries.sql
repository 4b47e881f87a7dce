-- 0004_registries: the records of the outside registries (the commerce
-- ministry's qualification filings, customs' general qualification
-- filings, the forex bureau's records), keyed by credit code, one column
-- per field of model.Commerce / Customs / Forex. backend/registry reads them
-- (its database implementation); store.LoadRegistryFixtures fills them
-- from backend/refdata's fixtures, keyed and revisioned like the reference
-- data.

-- 商务部通用资质备案
CREATE TABLE registry_commerce (
    credit_code           TEXT PRIMARY KEY,
    imp_exp_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    address_cn            TEXT NOT NULL DEFAULT '',
    address_en            TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    approval_no           TEXT NOT NULL DEFAULT '',
    authority_code        TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    fax                   TEXT NOT NULL DEFAULT '',
    operator_type         TEXT NOT NULL DEFAULT '',
    business_registration TEXT NOT NULL DEFAULT '',
    first_approved_on     TEXT NOT NULL DEFAULT '',
    revision              TEXT NOT NULL,
    active                BOOLEAN NOT NULL
);

-- 海关通用资质备案
CREATE TABLE registry_customs (
    credit_code           TEXT PRIMARY KEY,
    unified_no            TEXT NOT NULL DEFAULT '',
    subject_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    supervising_customs   TEXT NOT NULL DEFAULT '',
    filing_customs        TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_type     TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    customs_reg_no        TEXT NOT NULL DEFAULT '',
    revision              TEXT NOT NULL,
    active                BOOLEAN NOT NULL
);

-- 外汇管理局备案（bureau_status: normal / cancelled 注销 / revoked 吊销）
CREATE TABLE registry_forex (
    credit_code           TEXT PRIMARY KEY,
    org_code              TEXT NOT NULL DEFAULT '',
    classification        TEXT NOT NULL DEFAULT '',
    published_on          TEXT NOT NULL DEFAULT '',
    bureau_status         TEXT NOT NULL DEFAULT '',
    revision              TEXT NOT NULL,
    active                BOOLEAN NOT NULL
);
