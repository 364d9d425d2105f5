import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { detect, type PiiType } from "../../../../server/gateway/guardrails/detectors";
import { cardIssuerValid, entropy, ibanValid, luhnValid, spanishIdValid, ssnValid } from "../../../../server/gateway/guardrails/checksums";

/** `[type, value]` for each finding, in order. */
const found = (text: string) => detect(text).map((s) => [s.type, text.slice(s.start, s.end)] as [PiiType, string]);
const only = (type: PiiType, text: string, value: string) => assert.deepEqual(found(text), [[type, value]], text);
const none = (text: string) => assert.deepEqual(found(text), [], text);

describe("checksums", () => {
  test("Luhn, issuer prefixes, IBAN mod-97, DNI/NIE letter, SSN ranges, entropy", () => {
    assert.ok(luhnValid("4111111111111111"));
    assert.ok(!luhnValid("4111111111111112"));
    assert.ok(cardIssuerValid("378282246310005") && !cardIssuerValid("9111111111111111"));
    assert.ok(ibanValid("ES9121000418450200051332"));
    assert.ok(!ibanValid("ES9121000418450200051333"), "checksum");
    assert.ok(!ibanValid("ES912100041845020005133"), "length for ES");
    assert.ok(ibanValid("GB82WEST12345698765432") && ibanValid("DE89370400440532013000"));
    assert.ok(spanishIdValid("12345678Z") && !spanishIdValid("12345678A"));
    assert.ok(spanishIdValid("X1234567L") && !spanishIdValid("X1234567A"));
    assert.ok(ssnValid("123", "45", "6789"));
    for (const [a, g, s] of [["000", "12", "3456"], ["666", "12", "3456"], ["900", "12", "3456"], ["123", "00", "4567"], ["123", "45", "0000"]]) assert.ok(!ssnValid(a!, g!, s!), `${a}-${g}-${s}`);
    assert.ok(entropy("aaaaaaaa") === 0 && entropy("abcdefgh") === 3);
  });
});

describe("e-mail", () => {
  test("addresses with plus, dots and subdomains; not package versions or handles", () => {
    only("email", "write to john.doe+news@mail.example.co.uk.", "john.doe+news@mail.example.co.uk");
    only("email", "<ana_lopez@empresa.es>", "ana_lopez@empresa.es");
    none("npm i left-pad@1.3.0 and @types/node@20.1.0");
    none("ping @maria on slack, or user@localhost");
  });
});

describe("phone numbers", () => {
  test("international and national formats", () => {
    only("phone", "call +34 612 345 678 today", "+34 612 345 678");
    only("phone", "call +1 (415) 555-2671", "+1 (415) 555-2671");
    only("phone", "US office (415) 555-2671.", "(415) 555-2671");
    only("phone", "office 415.555.2671", "415.555.2671");
    only("phone", "móvil 612345678", "612345678");
    only("phone", "Madrid 91 123 45 67", "91 123 45 67");
    only("phone", "London 020 7946 0958", "020 7946 0958");
    only("phone", "mobile 07700 900123", "07700 900123");
    only("phone", "Paris 01 23 45 67 89", "01 23 45 67 89");
    only("phone", "0044 20 7946 0958 is the switchboard", "0044 20 7946 0958");
  });
  test("dates, versions, order numbers, amounts and timestamps are not phones", () => {
    none("due 2024-01-15 or 15/01/2024 or 15.01.2024");
    none("release 1.22.333 and 10.0.19041.1");
    none("Order #612345678 shipped");
    none("order no. 612 345 678");
    none("epoch 1700000000 and 1234567890");
    none("it costs 1 234 567 euros");
  });
});

describe("cards", () => {
  test("Luhn-valid numbers of real networks, plain or grouped", () => {
    only("credit_card", "visa 4111 1111 1111 1111 exp 12/27", "4111 1111 1111 1111");
    only("credit_card", "mc 5555-5555-5555-4444", "5555-5555-5555-4444");
    only("credit_card", "amex 378282246310005", "378282246310005");
    only("credit_card", "amex 3782 822463 10005", "3782 822463 10005");
  });
  test("invalid checksums, unknown prefixes and mixed groupings are not cards", () => {
    none("visa 4111 1111 1111 1112");
    none("ref 9111111111111111");
    none("4111 1111-1111 1111");
    none("tracking 1Z999AA10123456784");
  });
});

describe("IBAN", () => {
  test("grouped or compact, stops at the country's length", () => {
    only("iban", "IBAN ES91 2100 0418 4502 0005 1332 TO JOHN", "ES91 2100 0418 4502 0005 1332");
    only("iban", "pay DE89370400440532013000.", "DE89370400440532013000");
    only("iban", "GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32");
  });
  test("bad checksum or length is not an IBAN", () => {
    none("IBAN ES91 2100 0418 4502 0005 1333");
    none("DE8937040044053201300");
  });
});

describe("IP addresses", () => {
  test("IPv4 and IPv6 (compressed, zone, mapped)", () => {
    only("ipv4", "host 192.168.1.20, port 80", "192.168.1.20");
    only("ipv6", "link fe80::1ff:fe23:4567:890a%eth0 up", "fe80::1ff:fe23:4567:890a%eth0");
    only("ipv6", "v6 2001:db8:85a3::8a2e:370:7334.", "2001:db8:85a3::8a2e:370:7334");
    only("ipv6", "mapped ::ffff:192.0.2.128", "::ffff:192.0.2.128");
  });
  test("versions, out-of-range octets, times and C++ scopes are not addresses", () => {
    none("version 1.2.3.4 and v10.0.0.1");
    none("256.1.1.1 and 1.2.3.4.5");
    none("at 12:30:45, std::vector and a::b");
  });
});

describe("Spanish DNI / NIE", () => {
  test("the check letter decides", () => {
    only("es_dni", "DNI 12345678Z", "12345678Z");
    only("es_dni", "DNI 12345678-z", "12345678-z");
    only("es_dni", "NIE X-1234567-L", "X-1234567-L");
    none("DNI 12345678A and NIE X1234567A");
  });
});

describe("US SSN", () => {
  test("valid ranges with dashes or spaces, or nine digits after 'SSN'", () => {
    only("us_ssn", "SSN 123-45-6789.", "123-45-6789");
    only("us_ssn", "ssn: 123456789", "123456789");
    only("us_ssn", "number 123 45 6789", "123 45 6789");
    none("666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000");
  });
});

describe("secrets", () => {
  test("known key shapes", () => {
    only("secret", "OPENAI_API_KEY sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z");
    only("secret", "key sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe", "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe");
    only("secret", "aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE");
    only("secret", "gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
    only("secret", "slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij");
    only("secret", "maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q");
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    only("secret", `Authorization: Bearer ${jwt}`, jwt);
  });
  test("high-entropy values after key/token/secret words; hashes and UUIDs alone are not secrets", () => {
    only("secret", "api_key=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0");
    only("secret", 'the token is "Qm9vN2xhbmQ4UmFpbjRTdW41"', "Qm9vN2xhbmQ4UmFpbjRTdW41");
    none("commit 3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a fixed it");
    none("token 550e8400-e29b-41d4-a716-446655440000");
    none("the token_count was 1234567890123456");
    none("secret ingredient is love");
  });
});

describe("overlaps and boundaries", () => {
  test("the more specific type wins, findings are ordered, text edges work", () => {
    assert.deepEqual(found("4111111111111111"), [["credit_card", "4111111111111111"]]);
    assert.deepEqual(found("a@b.co 192.168.0.1"), [["email", "a@b.co"], ["ipv4", "192.168.0.1"]]);
    none("");
    none("short");
  });
});
