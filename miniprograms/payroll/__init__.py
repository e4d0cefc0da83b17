"""Payroll (薪资管家): enterprises pay salaries in batches from a roster, maker and checker
apart, each line paid once from a hold on the enterprise account; employees read payslips."""
