-- The language a person picked (issue 17): what is sent to them (emails, texts, calls) is in
-- it. NULL: never picked; they get the language of the page they act from.
ALTER TABLE accounts ADD COLUMN language TEXT;
