// FlintData
