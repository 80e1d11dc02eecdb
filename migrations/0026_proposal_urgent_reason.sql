-- Why a proposal is urgent (bylaws 4.4: "marked urgent, with a reason"); NULL unless urgent.
ALTER TABLE proposals ADD COLUMN urgent_reason TEXT;
