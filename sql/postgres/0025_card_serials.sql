-- A certificate serial number names one certificate of the CA: the CA
-- draws it at random (16 bytes), and the database refuses a card whose
-- certificate repeats one another card holds, whichever server instance
-- issued either.
CREATE UNIQUE INDEX cards_serial_idx ON cards (serial);
