//! Standard-library modules that frameworks need and the interpreter builds in only when
//! DX-Py enables them (Django's test runner needs `sqlite3`).

mod common;

use common::*;

#[test]
fn sqlite3_like_cpython() {
    let code = "import sqlite3\n\
        c = sqlite3.connect(':memory:')\n\
        c.execute('create table t (a integer primary key, b text, c real)')\n\
        c.executemany('insert into t (b, c) values (?, ?)', [('x', 1.5), ('y', None), ('\\u00e9', -2.0)])\n\
        print(c.execute('select count(*), sum(c), group_concat(b) from t').fetchone())\n\
        print(c.execute('select * from t where a > ?', (1,)).fetchall())\n\
        try:\n    c.execute('select nope from t')\nexcept sqlite3.OperationalError as e:\n    print('OperationalError', e)\n\
        c.row_factory = sqlite3.Row\n\
        print(dict(c.execute('select b, c from t where a = 1').fetchone()))\n";
    let (py, dx) = (run(python(), &["-c", code]), run(dx_py(), &["-c", code]));
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}
